"""Hospital stays: the message hospitals send on `hospital.admissions`, and the events the
admissions service publishes once a stay is matched to a patient."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from ecovid_events.envelope import IntegrationEvent

# FINESS: 9 characters, digits except the département part of Corsica (2A, 2B).
_FINESS = re.compile(r"^[0-9][0-9AB][0-9]{7}$")


def ins_key_ok(ins: str) -> bool:
    """The INS (NIR) is 13 characters and a 2-digit key: 97 - (number mod 97).

    Corsica's départements 2A and 2B count as 19 and 18 in the number, as the NIR rule says.
    """
    if not re.fullmatch(r"[12378][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{6}[0-9]{2}", ins):
        return False
    department = {"2A": "19", "2B": "18"}.get(ins[5:7], ins[5:7])
    body = ins[:5] + department + ins[7:13]
    return 97 - int(body) % 97 == int(ins[13:])


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Hospital(_Model):
    finess: str = Field(pattern=_FINESS.pattern, description="FINESS of the hospital (9 characters)")
    name: str = Field(min_length=1, max_length=200)


class AdmittedPatient(_Model):
    ins: str | None = Field(None, description="INS (NIR of 13 characters and its 2-digit key)")
    last_name: str = Field(min_length=1, max_length=100)
    first_name: str = Field(min_length=1, max_length=100)
    birth_date: date

    @field_validator("ins")
    @classmethod
    def _ins_key(cls, value: str | None) -> str | None:
        if value is not None and not ins_key_ok(value.replace(" ", "").upper()):
            raise ValueError("INS: 15 characters whose last two are the key of the first 13")
        return value.replace(" ", "").upper() if value is not None else None


class HospitalAdmissionMessage(_Model):
    """One movement of a hospital stay as a hospital writes it to `hospital.admissions`."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="HospitalAdmissionMessage")

    event_id: str = Field(min_length=1, max_length=100, description="unique per message: a replay has no effect")
    event_type: Literal["PatientHospitalised", "PatientDischarged", "AdmissionCancelled"]
    occurred_at: AwareDatetime
    hospital: Hospital
    patient: AdmittedPatient
    visit_number: str = Field(min_length=1, max_length=50)
    unit: str | None = Field(None, max_length=100)
    admitted_at: AwareDatetime | None = None
    discharged_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _times(self) -> HospitalAdmissionMessage:
        if self.admitted_at and self.discharged_at and self.discharged_at < self.admitted_at:
            raise ValueError("discharged_at is before admitted_at")
        return self


# --- Integration events of the admissions service (topic admissions.events, patient id as key).

Source = Literal["json", "hl7v2", "professional"]


class StayPayload(_Model):
    admission_id: uuid.UUID
    finess: str
    hospital_name: str | None = None
    visit_number: str
    unit: str | None = None
    admitted_at: AwareDatetime | None = None
    discharged_at: AwareDatetime | None = None
    movement_at: AwareDatetime
    source: Source
    source_message_id: str


class PatientHospitalised(IntegrationEvent):
    event_type: Literal["PatientHospitalised"] = "PatientHospitalised"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: StayPayload


class PatientTransferred(IntegrationEvent):
    event_type: Literal["PatientTransferred"] = "PatientTransferred"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: StayPayload


class PatientDischarged(IntegrationEvent):
    event_type: Literal["PatientDischarged"] = "PatientDischarged"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: StayPayload


class AdmissionCancelledPayload(StayPayload):
    """What is retracted: the admission (the stay did not happen) or the discharge (still in)."""

    cancelled: Literal["admission", "discharge"]
    retracts_event_ids: list[uuid.UUID]
    reason: str


class AdmissionCancelled(IntegrationEvent):
    event_type: Literal["AdmissionCancelled"] = "AdmissionCancelled"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: AdmissionCancelledPayload
