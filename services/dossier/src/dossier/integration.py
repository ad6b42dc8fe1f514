"""Translation of the dossier's stored events into integration events (the outbox)."""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Any

from ecovid_events import IntegrationEvent
from ecovid_events.dossier import (
    AllergiesUpdated,
    MedicalHistoryUpdated,
    NoteShared,
    NoteSharedPayload,
    ObjectiveSet,
    ObjectiveSetPayload,
    PatientIdentity,
    PatientIdentityUpdated,
    PatientRegistered,
    PatientRegisteredPayload,
    RiskFactorsPayload,
    RiskFactorsUpdated,
    SectionPayload,
    TreatmentsUpdated,
)
from ecovid_platform.integration import EVERY, envelope

from dossier import SERVICE
from dossier.domain.patient import Patient

# Contact details and INS stay in the dossier: the bus carries what others need.
_IDENTITY_FIELDS = set(PatientIdentity.model_fields)
_LIST_SECTIONS = {
    "medical-history": MedicalHistoryUpdated,
    "allergies": AllergiesUpdated,
    "treatments": TreatmentsUpdated,
}


def _identity(identity: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in identity.items() if key in _IDENTITY_FIELDS}


def translate(event: Any, wanted: Container[str] = EVERY) -> Iterable[IntegrationEvent]:
    if not isinstance(event, Patient.Event):
        return  # identity keys are bookkeeping of duplicate detection, not news
    head = envelope(event, SERVICE, event.originator_id)
    if isinstance(event, Patient.Registered):
        payload = PatientRegisteredPayload(
            **_identity(event.identity), registered_by=event.registered_by
        )
        yield PatientRegistered(**head, payload=payload)
    elif isinstance(event, Patient.IdentityUpdated):
        yield PatientIdentityUpdated(**head, payload=PatientIdentity(**_identity(event.identity)))
    elif isinstance(event, Patient.SectionUpdated):
        yield _section(event, head)
    elif isinstance(event, Patient.NoteShared):
        payload = NoteSharedPayload(note_id=event.note_id, text=event.text, document_ids=event.document_ids)
        yield NoteShared(**head, payload=payload)
    elif isinstance(event, Patient.ObjectiveSet):
        payload = ObjectiveSetPayload(objective_id=event.objective_id, title=event.title, status=event.status)
        yield ObjectiveSet(**head, payload=payload)


def _section(event: Any, head: dict[str, Any]) -> IntegrationEvent:
    if event.section == "risk-factors":
        return RiskFactorsUpdated(**head, payload=RiskFactorsPayload(**event.content))
    return _LIST_SECTIONS[event.section](**head, payload=SectionPayload(entries=event.content["entries"]))
