"""The envelope: deterministic ids, UTC, typed payloads, clear reasons for what cannot be read."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from ecovid_events import Actor, InvalidEvent, event_id_for, parse_event
from ecovid_events.dossier import PatientRegistered, PatientRegisteredPayload
from ecovid_events.export_schemas import export
from ecovid_events.registry import EVENT_TYPES

PATIENT = uuid.UUID("7d0c5a61-1111-4c3a-9b7e-5b1f2e3d4c5a")


def registered(**overrides: object) -> PatientRegistered:
    fields = {
        "event_id": event_id_for(PATIENT, 1), "occurred_at": datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
        "producer": "dossier", "patient_id": PATIENT, "correlation_id": "c-1",
        "actor": Actor(kind="professional", id="p-1"),
        "payload": PatientRegisteredPayload(last_name="Dupont", first_name="Jean", birth_date=date(1960, 1, 1),
                                            sex="male", commune="Paris"),
    }
    return PatientRegistered(**{**fields, **overrides})


def test_event_id_is_deterministic_per_aggregate_version() -> None:
    assert event_id_for(PATIENT, 1) == event_id_for(str(PATIENT), 1)
    assert event_id_for(PATIENT, 1) != event_id_for(PATIENT, 2)
    assert event_id_for(PATIENT, 1) != event_id_for(uuid.uuid4(), 1)


def test_round_trip_through_bytes() -> None:
    event = registered()
    assert parse_event(event.to_bytes()) == event
    assert event.kafka_key() == str(PATIENT).encode()


def test_occurred_at_must_be_utc() -> None:
    paris = timezone(timedelta(hours=1))
    with pytest.raises(ValidationError, match="UTC"):
        registered(occurred_at=datetime(2026, 11, 20, 8, 30, tzinfo=paris))


@pytest.mark.parametrize(("raw", "reason"), [
    (b"not json", "JSON"),
    (b'{"event_type": "Unheard"}', "event_type"),
    (json.dumps({"event_type": "PatientRegistered"}).encode(), "PatientRegistered.event_id"),
])
def test_unusable_messages_say_why(raw: bytes, reason: str) -> None:
    with pytest.raises(InvalidEvent, match=reason):
        parse_event(raw)


def test_a_changed_payload_field_is_refused() -> None:
    body = json.loads(registered().to_bytes())
    body["payload"]["unexpected"] = 1
    with pytest.raises(InvalidEvent, match="payload.unexpected"):
        parse_event(json.dumps(body).encode())


def test_schemas_export_one_file_per_event(tmp_path) -> None:
    written = export(tmp_path)
    assert len(written) == len(EVENT_TYPES) + 1  # and what hospitals write to hospital.admissions
    schema = json.loads((tmp_path / "PatientRegistered.v1.json").read_text())
    assert "payload" in schema["required"] and "event_id" in schema["required"]
    hospital = json.loads((tmp_path / "hospital.admissions.json").read_text())
    assert {"event_id", "event_type", "hospital", "patient", "visit_number"} <= set(hospital["required"])
    assert hospital["additionalProperties"] is False
