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
