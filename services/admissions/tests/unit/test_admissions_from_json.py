"""JSON admissions: validated, recorded once per event id, matched, announced by what they change."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from samples import INS, json_message, raw

from ecovid_events import Actor, InvalidEvent
from ecovid_events.admissions import ins_key_ok
from ecovid_events.dossier import PatientRegistered, PatientRegisteredPayload
from ecovid_platform.errors import Conflict
from ecovid_platform.integration import envelope

from admissions import matching
from admissions.application import AdmissionsApplication
from admissions.domain.admission import Admission
from admissions.integration import translate
from admissions.messages import from_json

COORDINATOR = Actor(kind="professional", id="coord-1")


def register_event(last: str = "DUPONT", first: str = "Jeanne Marie",
                   born: date = date(1950, 3, 4)) -> PatientRegistered:
    patient_id = uuid.uuid4()
    return PatientRegistered(
        event_id=uuid.uuid4(), occurred_at=datetime.now(UTC), producer="dossier", patient_id=patient_id,
        correlation_id="c", actor={"kind": "platform"},
        payload=PatientRegisteredPayload(last_name=last, first_name=first, birth_date=born, sex="F",
                                         commune="Bordeaux"),
    )


def register(app: AdmissionsApplication, last: str = "DUPONT", first: str = "Jeanne Marie",
             born: date = date(1950, 3, 4)) -> uuid.UUID:
    event = register_event(last, first, born)
    assert app.storage is not None
    with app.storage.transaction() as session:
        matching.identity_seen(session, event)
    return event.patient_id


def published(app: AdmissionsApplication, admission_id: uuid.UUID) -> list:
    return [e for stored in app.repository.event_store.get(admission_id) for e in translate(stored)]


def apply(app: AdmissionsApplication, message: dict) -> list[Admission]:
    saved = app.record_movement(from_json(raw(message)))
    app.save(*saved)
    return saved


def test_a_matched_admission_announces_patient_hospitalised_once_even_delivered_twice(
    app: AdmissionsApplication,
) -> None:
    """Break: the `has(movement_id)` check skipped in record_movement -> a second movement, same effect
    recorded twice (the movement count)."""
    patient = register(app)
    message = json_message()
    [admission] = apply(app, message)
    assert app.record_movement(from_json(raw(message))) == []
    [event] = published(app, admission.id)
    assert (event.event_type, event.patient_id, event.payload.unit) == ("PatientHospitalised", patient, "Pneumologie")
    assert event.payload.source_message_id == message["event_id"]
    assert len(app.admission(admission.id).movements) == 1


def test_names_match_whatever_case_accents_hyphens_and_apostrophes() -> None:
    """Break: fold without the accent removal -> "Dupont-D'Éric" does not match."""
    assert matching.fold("Dupont-D'Éric") == matching.fold("dupont d eric") == "dupontderic"
    assert matching.first_given("Jeanne, Marie") == "jeanne"


def test_a_discharge_before_its_admission_ends_discharged_and_the_late_admission_says_nothing(
    app: AdmissionsApplication,
) -> None:
    """Break: the fold in arrival order -> the late admission announces PatientHospitalised."""
    register(app)
    [admission] = apply(app, json_message("PatientDischarged", at="2026-11-30T18:00:00Z"))
    apply(app, json_message("PatientHospitalised", at="2026-11-30T08:00:00Z"))
    events = published(app, admission.id)
    assert [e.event_type for e in events] == ["PatientDischarged"]
    assert events[0].payload.discharged_at == datetime(2026, 11, 30, 18, tzinfo=UTC)
    assert app.admission(admission.id).current.admitted_at == datetime(2026, 11, 30, 8, tzinfo=UTC)


def test_a_cancellation_retracts_what_was_announced_naming_its_event(app: AdmissionsApplication) -> None:
    """Break: retracts left empty -> alerting could not tell which alert to resolve."""
    register(app)
    [admission] = apply(app, json_message())
    apply(app, json_message("AdmissionCancelled", at="2026-11-30T09:00:00Z"))
    hospitalised, cancelled = published(app, admission.id)
    assert cancelled.event_type == "AdmissionCancelled"
    assert cancelled.payload.cancelled == "admission"
    assert cancelled.payload.retracts_event_ids == [hospitalised.event_id]
    assert "cancelled" in cancelled.payload.reason


def test_the_announced_event_id_is_the_one_the_outbox_publishes(app: AdmissionsApplication) -> None:
    register(app)
    [admission] = apply(app, json_message())
    stored = [e for e in app.repository.event_store.get(admission.id) if isinstance(e, Admission.Announced)]
    assert admission.announcements["hospitalised"] == envelope(stored[0], "admissions", None)["event_id"]


def test_an_unmatched_admission_waits_then_a_match_by_hand_has_its_full_effect(app: AdmissionsApplication) -> None:
    """Break: match() not announcing -> nothing published after the match."""
    [admission] = apply(app, json_message(patient={"last_name": "Inconnu", "first_name": "Paul",
                                                    "birth_date": "1960-01-01", "ins": INS}))
    assert admission.patient_id is None and "no patient" in (admission.unmatched_reason or "")
    assert published(app, admission.id) == []
    apply(app, json_message("PatientDischarged", at="2026-11-30T20:00:00Z",
                            patient={"last_name": "Inconnu", "first_name": "Paul", "birth_date": "1960-01-01"}))
    patient = uuid.uuid4()
    app.match_by_hand(admission.id, patient, COORDINATOR, "corr")
    assert [e.event_type for e in published(app, admission.id)] == ["PatientDischarged"]
    with pytest.raises(Conflict):
        app.match_by_hand(admission.id, uuid.uuid4(), COORDINATOR, "corr")
    # The INS is now linked: the next stay with it matches at once, whatever the names.
    [next_stay] = apply(app, json_message(visit="V0002", patient={
        "last_name": "X", "first_name": "Y", "birth_date": "1960-01-01", "ins": INS}))
    assert next_stay.patient_id == patient


def test_two_patients_with_the_same_names_and_birth_date_leave_the_stay_for_reconciliation(
    app: AdmissionsApplication,
) -> None:
    register(app)
    register(app, last="Dupont")
    [admission] = apply(app, json_message())
    assert admission.patient_id is None and admission.unmatched_reason.startswith("ambiguous: 2")


@pytest.mark.parametrize(("change", "field"), [
    ({"event_type": "PatientDied"}, "event_type"),
    ({"occurred_at": "2026-11-30T08:00:00"}, "occurred_at"),
    ({"hospital": {"finess": "12", "name": "x"}}, "hospital.finess"),
    ({"patient": {"last_name": "A", "first_name": "B", "birth_date": "1950-02-30"}}, "patient.birth_date"),
    ({"patient": {"last_name": "A", "first_name": "B", "birth_date": "1950-02-03", "ins": "185077512345609"}},
     "patient.ins"),
    ({"visit_number": ""}, "visit_number"),
    ({"extra": 1}, "extra"),
])
def test_an_invalid_message_is_refused_naming_the_field(change: dict, field: str) -> None:
    """Break: extra="allow" on the message -> the unknown field passes."""
    with pytest.raises(InvalidEvent, match=f"^{field}"):
        from_json(raw({**json_message(), **change}))


def test_bytes_that_are_not_json_are_refused() -> None:
    for bad in (b"", b"\xff\xfe", b"{", b"[]", b"null"):
        with pytest.raises(InvalidEvent):
            from_json(bad)


def test_ins_key() -> None:
    assert ins_key_ok(INS)
    assert not ins_key_ok(INS[:-1] + "9")
    assert ins_key_ok("2690299341732" + f"{97 - 2690299341732 % 97:02d}")
    corsica = "18507" + "2A" + "123456"
    assert ins_key_ok(corsica + f"{97 - int('18507' + '19' + '123456') % 97:02d}")
    assert not ins_key_ok(corsica + f"{97 - int('18507' + '20' + '123456') % 97:02d}")
