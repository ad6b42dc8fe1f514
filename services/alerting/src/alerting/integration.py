"""Translation of stored alert events into integration events (the outbox)."""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Any

from ecovid_events import IntegrationEvent
from ecovid_events.alerting import (
    AlertAcknowledged,
    AlertAcknowledgedPayload,
    AlertRaised,
    AlertRaisedPayload,
)
from ecovid_platform.integration import EVERY, envelope

from alerting import SERVICE
from alerting.domain.alert import Alert


def translate(event: Any, wanted: Container[str] = EVERY) -> Iterable[IntegrationEvent]:
    if isinstance(event, Alert.Raised):
        yield AlertRaised(**envelope(event, SERVICE, event.patient_id), payload=AlertRaisedPayload(
            alert_id=event.originator_id, kind=event.kind, level=event.level,
            raised_at=event.timestamp, source_event_id=event.source_event_id,
            reading_id=event.reading_id, summary=event.summary,
        ))
    elif isinstance(event, Alert.Acknowledged):
        yield AlertAcknowledged(
            **envelope(event, SERVICE, event.patient_id),
            payload=AlertAcknowledgedPayload(
                alert_id=event.originator_id, acknowledged_at=event.at,
                acknowledged_by=event.professional_id,
            ),
        )
