"""Translation of stored care-circle events into integration events (the outbox)."""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Any

from ecovid_events import IntegrationEvent
from ecovid_events.care_circle import (
    CareTeamMemberAdded,
    CareTeamMemberPayload,
    CareTeamMemberRemoved,
    EmergencyAccessDeclared,
    EmergencyAccessPayload,
    ProfessionalDeactivated,
    ProfessionalDeactivatedPayload,
    ProfessionalPayload,
    ProfessionalRegistered,
    StructureRegistered,
    StructureRegisteredPayload,
)
from ecovid_platform.integration import EVERY, envelope

from care_circle import SERVICE
from care_circle.domain.circle import CareCircle
from care_circle.domain.directory import Professional, Structure


def translate(event: Any, wanted: Container[str] = EVERY) -> Iterable[IntegrationEvent]:
    if isinstance(event, CareCircle.MemberAdded | CareCircle.MemberRemoved):
        kind = CareTeamMemberAdded if isinstance(event, CareCircle.MemberAdded) else CareTeamMemberRemoved
        yield kind(
            **envelope(event, SERVICE, event.patient_id),
            payload=CareTeamMemberPayload(professional_id=event.professional_id, role=event.role),
        )
    elif isinstance(event, CareCircle.EmergencyAccessDeclared):
        yield EmergencyAccessDeclared(
            **envelope(event, SERVICE, event.patient_id),
            payload=EmergencyAccessPayload(
                professional_id=event.professional_id, reason=event.reason,
                declared_at=event.declared_at, expires_at=event.expires_at,
            ),
        )
    elif isinstance(event, Structure.Registered):
        yield StructureRegistered(**envelope(event, SERVICE, None), payload=StructureRegisteredPayload(
            structure_id=event.originator_id, name=event.name, kind=event.kind, finess=event.finess,
        ))
    elif isinstance(event, Professional.Registered):
        profile = event.profile
        yield ProfessionalRegistered(**envelope(event, SERVICE, None), payload=ProfessionalPayload(
            professional_id=event.originator_id, first_name=profile["first_name"], last_name=profile["last_name"],
            profession=profile["profession"], structure_id=profile["structure_id"],
        ))
    elif isinstance(event, Professional.Deactivated):
        yield ProfessionalDeactivated(**envelope(event, SERVICE, None), payload=ProfessionalDeactivatedPayload(
            professional_id=event.originator_id,
        ))
