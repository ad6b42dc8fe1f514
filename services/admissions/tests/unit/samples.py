"""Hospital messages for the unit tests."""

from __future__ import annotations

import json
import uuid
from typing import Any

FINESS = "330781196"
# A valid INS: 97 - (1850775123456 mod 97) = 8.
INS = "185077512345608"


def json_message(event_type: str = "PatientHospitalised", *, event_id: str | None = None,
                 visit: str = "V0001", at: str = "2026-11-30T08:00:00Z", **more: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "event_id": event_id or str(uuid.uuid4()), "event_type": event_type, "occurred_at": at,
        "hospital": {"finess": FINESS, "name": "CHU de Bordeaux"},
        "patient": {"last_name": "Dupont", "first_name": "Jeanne", "birth_date": "1950-03-04"},
        "visit_number": visit, "unit": "Pneumologie",
    }
    if event_type == "PatientHospitalised":
        message["admitted_at"] = at
    if event_type == "PatientDischarged":
        message["discharged_at"] = at
    message.update(more)
    return message


def raw(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode()
