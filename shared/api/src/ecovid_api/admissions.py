"""Hospital stays waiting for their patient (reconciliation): the list and the match by hand."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ecovid_api.common import Timestamp

_STAY = "5b0c9d1e-2f3a-4b4c-8d5e-6f7a8b9c0d1e"
_PATIENT = "9a7b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"


class MatchBody(BaseModel):
    """The patient a waiting stay belongs to, as the person reconciling it decided."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"patient_id": _PATIENT}]})

    patient_id: uuid.UUID


class UnmatchedStay(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": _STAY, "finess": "750100042", "hospital_name": "Hôpital Lariboisière",
        "visit_number": "V-2026-0042", "reason": "no patient with that name and birth date",
        "identity": {"birth_name": "DUPONT", "used_name": "MARTIN", "first_names": "Jeanne",
                     "birth_date": "1952-03-14"},
        "last_movement": "admitted", "last_movement_at": "2026-11-30T07:15:02+00:00",
    }]})

    id: uuid.UUID
    finess: str
    hospital_name: str | None = None
    visit_number: str
    reason: str | None = Field(None, description="why no patient was matched (none, several)")
    identity: dict[str, Any] = Field(description="the identity as the hospital sent it")
    last_movement: str | None = None
    last_movement_at: Timestamp | None = None


class AdmissionView(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": _STAY, "finess": "750100042", "visit_number": "V-2026-0042", "patient_id": _PATIENT,
        "unmatched_reason": None, "state": "admitted",
        "identity": {"birth_name": "DUPONT", "birth_date": "1952-03-14"}, "movements": 1,
    }]})

    id: uuid.UUID
    finess: str
    visit_number: str
    patient_id: uuid.UUID | None = None
    unmatched_reason: str | None = None
    state: str
    identity: dict[str, Any]
    movements: int
