"""Translation of the gateway's stored events: only the audit trail leaves the gateway."""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Any

from ecovid_events import IntegrationEvent
from ecovid_events.gateway import RecordAccessed, RecordAccessedPayload
from ecovid_platform.integration import EVERY, envelope

from gateway import SERVICE
from gateway.domain.account import RecordAccess


def translate(event: Any, wanted: Container[str] = EVERY) -> Iterable[IntegrationEvent]:
    # Account events (password hashes) never leave the gateway.
    if isinstance(event, RecordAccess.Recorded):
        yield RecordAccessed(
            **envelope(event, SERVICE, event.patient_id),
            payload=RecordAccessedPayload(
                access_id=event.originator_id, method=event.method, route=event.route,
                status_code=event.status_code, granted=event.granted, address=getattr(event, "address", None),
            ),
        )
