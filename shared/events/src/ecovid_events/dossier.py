"""Events published by the dossier service (the patient's coordination record)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ecovid_events.envelope import IntegrationEvent


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PatientIdentity(_Payload):
    last_name: str
    first_name: str
    birth_date: date
    sex: str
    commune: str
    postal_code: str | None = None


class PatientRegisteredPayload(PatientIdentity):
    registered_by: str | None = None


class PatientRegistered(IntegrationEvent):
    event_type: Literal["PatientRegistered"] = "PatientRegistered"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: PatientRegisteredPayload


class PatientIdentityUpdated(IntegrationEvent):
    event_type: Literal["PatientIdentityUpdated"] = "PatientIdentityUpdated"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: PatientIdentity


# Clinical context (contexte clinique): each event carries the whole new section,
# so one event reads alone in the history and on the timeline.
class RiskFactorsPayload(_Payload):
    factors: list[str]
    other: str | None = None


class RiskFactorsUpdated(IntegrationEvent):
    event_type: Literal["RiskFactorsUpdated"] = "RiskFactorsUpdated"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: RiskFactorsPayload


class SectionPayload(_Payload):
    """Entries of a list section (antécédents, allergies, traitements) as the dossier stores them."""

    entries: list[dict[str, str | None]]


class MedicalHistoryUpdated(IntegrationEvent):
    event_type: Literal["MedicalHistoryUpdated"] = "MedicalHistoryUpdated"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: SectionPayload


class AllergiesUpdated(IntegrationEvent):
    event_type: Literal["AllergiesUpdated"] = "AllergiesUpdated"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: SectionPayload


class TreatmentsUpdated(IntegrationEvent):
    event_type: Literal["TreatmentsUpdated"] = "TreatmentsUpdated"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: SectionPayload


class NoteSharedPayload(_Payload):
    note_id: uuid.UUID
    text: str
    document_ids: list[uuid.UUID] = []


class NoteShared(IntegrationEvent):
    event_type: Literal["NoteShared"] = "NoteShared"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: NoteSharedPayload


class ObjectiveSetPayload(_Payload):
    objective_id: uuid.UUID
    title: str
    status: Literal["open", "achieved", "abandoned"]


class ObjectiveSet(IntegrationEvent):
    event_type: Literal["ObjectiveSet"] = "ObjectiveSet"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: ObjectiveSetPayload
