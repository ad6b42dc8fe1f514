"""Hospital messages as the admissions consumer receives them: one movement of one stay.

Both sources (`hospital.admissions` JSON, `hospital.adt.hl7v2`) decode to a `HospitalMovement`
or raise `InvalidEvent` with the reason that goes to the dead-letter topic.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from ecovid_events import InvalidEvent
from ecovid_events.admissions import HospitalAdmissionMessage

# The consumer's event identity: one per movement of one source, whatever its delivery.
MOVEMENT_NAMESPACE = uuid.UUID("9a7e2f4c-1b3d-4c5e-8f60-7a8b9c0d1e2f")

_KIND_OF_JSON = {
    "PatientHospitalised": "admit", "PatientDischarged": "discharge", "AdmissionCancelled": "cancel_admit",
}


@dataclass(frozen=True)
class HospitalMovement:
    source: str  # "json" or "hl7v2"
    movement_id: str
    kind: str
    at: datetime
    finess: str
    hospital_name: str | None
    visit_number: str
    unit: str | None
    identity: dict[str, Any]
    raw: str
    correlation_id: str
    event_type: str = "HospitalMovement"
    patient_id: uuid.UUID | None = None
    event_id: uuid.UUID = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "event_id", uuid.uuid5(
            MOVEMENT_NAMESPACE, f"{self.source}|{self.finess}|{self.movement_id}",
        ))


def from_json(raw: bytes) -> HospitalMovement:
    try:
        message = HospitalAdmissionMessage.model_validate_json(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "message"
        raise InvalidEvent(f"{where}: {first['msg']}") from None
    kind = _KIND_OF_JSON[message.event_type]
    at = {"admit": message.admitted_at, "discharge": message.discharged_at}.get(kind) or message.occurred_at
    p = message.patient
    return HospitalMovement(
        source="json", movement_id=message.event_id, kind=kind, at=at, finess=message.hospital.finess,
        hospital_name=message.hospital.name, visit_number=message.visit_number, unit=message.unit,
        identity={"ins": p.ins, "birth_name": p.last_name, "used_name": None, "first_name": p.first_name,
                  "birth_date": p.birth_date.isoformat()},
        raw=raw.decode(), correlation_id=f"hospital-{message.event_id}"[:100],
    )


def decode_json_record(record: Any) -> HospitalMovement:
    return from_json(record.value or b"")
