"""Translation of stored care-circle events into integration events (the outbox)."""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Any

from ecovid_events import IntegrationEvent
from ecovid_events.care_circle import (
    CareTeamMemberAdded,
    CareTeamMemberPayload,
    CareTeamMemberRemoved,
)
from ecovid_platform.integration import EVERY, envelope

from care_circle import SERVICE
from care_circle.domain.circle import CareCircle


def translate(event: Any, wanted: Container[str] = EVERY) -> Iterable[IntegrationEvent]:
    if isinstance(event, CareCircle.MemberAdded | CareCircle.MemberRemoved):
        kind = CareTeamMemberAdded if isinstance(event, CareCircle.MemberAdded) else CareTeamMemberRemoved
        yield kind(
            **envelope(event, SERVICE, event.patient_id),
            payload=CareTeamMemberPayload(professional_id=event.professional_id, role=event.role),
        )
