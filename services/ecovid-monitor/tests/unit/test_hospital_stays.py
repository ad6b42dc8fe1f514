"""Hospital stays from the admissions service pause and resume the patient's open episode."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from test_episode_care import open_episode, published

from ecovid_events.admissions import (
    AdmissionCancelled,
    AdmissionCancelledPayload,
    PatientDischarged,
    PatientHospitalised,
    StayPayload,
)

from ecovid_monitor.application import MonitorApplication

ENVELOPE = {"producer": "admissions", "correlation_id": "c", "actor": {"kind": "hospital", "id": "330781196"}}


def payload(**more: object) -> dict[str, object]:
    now = datetime.now(UTC)
    return {"admission_id": uuid.uuid4(), "finess": "330781196", "visit_number": "V1", "movement_at": now,
            "source": "json", "source_message_id": "e1", **more}


def test_admitted_pauses_discharged_resumes_with_a_fresh_gap_and_a_redelivery_changes_nothing(
    app: MonitorApplication,
) -> None:
    """Break: the stay_causes check skipped -> after the discharge, the admission delivered again
    puts the patient back in hospital, fails."""
    patient, episode_id = open_episode(app)
    admitted = PatientHospitalised(event_id=uuid.uuid4(), occurred_at=datetime.now(UTC), patient_id=patient,
                                   **ENVELOPE, payload=StayPayload(**payload()))
    app.save(*app.stay_changed(admitted))
    assert app.episode(episode_id).hospitalised
    before = datetime.now(UTC)
    discharged = PatientDischarged(event_id=uuid.uuid4(), occurred_at=datetime.now(UTC), patient_id=patient,
                                   **ENVELOPE, payload=StayPayload(**payload()))
    app.save(*app.stay_changed(discharged))
    episode = app.episode(episode_id)
    assert not episode.hospitalised and episode.gap_started_at >= before
    assert app.stay_changed(admitted) == []
    assert published(app).count("CareStatusChanged") == 2
    back_in = AdmissionCancelled(event_id=uuid.uuid4(), occurred_at=datetime.now(UTC), patient_id=patient,
                                 **ENVELOPE, payload=AdmissionCancelledPayload(
                                     **payload(), cancelled="discharge", retracts_event_ids=[discharged.event_id],
                                     reason="discharge cancelled by the hospital"))
    app.save(*app.stay_changed(back_in))
    assert app.episode(episode_id).hospitalised


def test_a_patient_without_an_open_episode_is_left_alone(app: MonitorApplication) -> None:
    event = PatientHospitalised(event_id=uuid.uuid4(), occurred_at=datetime.now(UTC), patient_id=uuid.uuid4(),
                                **ENVELOPE, payload=StayPayload(**payload()))
    assert app.stay_changed(event) == []
