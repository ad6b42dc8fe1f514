"""Hospital stays: a `hospitalised` and a `discharged` alert for the circle, resolved when retracted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from ecovid_events import Actor
from ecovid_events.admissions import (
    AdmissionCancelled,
    AdmissionCancelledPayload,
    PatientDischarged,
    PatientHospitalised,
    StayPayload,
)
from ecovid_platform.application import trace
from ecovid_platform.storage import Storage

from alerting import read_models
from alerting.application import AlertingApplication
from alerting.integration import translate

ENVELOPE = {"producer": "admissions", "correlation_id": "corr-1", "actor": {"kind": "hospital", "id": "330781196"}}
AT = datetime(2026, 11, 30, 7, 15, tzinfo=UTC)


def stay(patient_id: uuid.UUID, **more: object) -> dict[str, object]:
    return {"admission_id": uuid.uuid4(), "finess": "330781196", "hospital_name": "CHU de Bordeaux",
            "visit_number": "V1", "unit": "Pneumologie", "admitted_at": AT, "movement_at": AT,
            "source": "hl7v2", "source_message_id": "M1|A01", **more}


def test_hospitalised_then_discharged_alerts_once_each_and_a_retraction_resolves_with_the_reason(
    app: AlertingApplication, storage: Storage,
) -> None:
    """Break: alerts_retracted ignores retracts_event_ids -> nothing resolved, fails;
    break: the retraction resolves with reason "other" -> fails on the reason;
    break: the _exists check skipped in alerts_for_stay -> a second alert on redelivery, fails."""
    patient = uuid.uuid4()
    admitted = PatientHospitalised(event_id=uuid.uuid4(), occurred_at=AT, patient_id=patient, **ENVELOPE,
                                   payload=StayPayload(**stay(patient)))
    [alert] = app.alerts_for_stay(admitted)
    app.save(alert)
    assert (alert.kind, alert.level) == ("hospitalised", "alert")
    assert alert.summary == "admitted to CHU de Bordeaux, Pneumologie on 2026-11-30T07:15+00:00"
    assert app.alerts_for_stay(admitted) == []
    home = PatientDischarged(event_id=uuid.uuid4(), occurred_at=AT, patient_id=patient, **ENVELOPE,
                             payload=StayPayload(**stay(patient, discharged_at=AT, unit=None)))
    [back] = app.alerts_for_stay(home)
    assert back.kind == "discharged" and back.summary.startswith("return home: discharged from CHU de Bordeaux")
    app.save(back)
    cancelled = AdmissionCancelled(
        event_id=uuid.uuid4(), occurred_at=AT, patient_id=patient, **ENVELOPE,
        payload=AdmissionCancelledPayload(**stay(patient), cancelled="admission",
                                          retracts_event_ids=[admitted.event_id, home.event_id, uuid.uuid4()],
                                          reason="admission cancelled by the hospital"),
    )
    resolved = app.alerts_retracted(cancelled)
    assert {a.id for a in resolved} == {alert.id, back.id}
    app.save(*resolved)
    assert app.alerts_retracted(cancelled) == []
    [event] = [e for stored in app.repository.event_store.get(alert.id) for e in translate(stored)][1:]
    assert (event.event_type, event.payload.reason, event.payload.note, event.payload.resolved_by) == (
        "AlertResolved", "cancelled_by_hospital", "admission cancelled by the hospital", "hospital")
    with storage.transaction() as session:
        read_models.alert_raised(session, next(iter(translate(next(iter(app.repository.event_store.get(alert.id)))))))
        read_models.alert_resolved(session, event)
        row = session.execute(sa.select(read_models.alerts)).one()
    assert (row.status, row.resolution_reason, row.resolution_note) == (
        "resolved", "cancelled_by_hospital", "admission cancelled by the hospital")


def test_a_resolved_event_stored_before_the_life_cycle_still_replays_and_translates(app: AlertingApplication) -> None:
    """An admission's retraction stored by the first admissions code: no `by`, no `note`, the
    hospital's words as the reason. It replays into a resolved alert and is published with
    reason cancelled_by_hospital and those words as the note.

    break: the defaults of Alert._resolve's `by`/`note` removed -> the replay fails;
    break: integration.resolution passes the stored reason as it is -> the payload refuses it."""
    patient = uuid.uuid4()
    admitted = PatientHospitalised(event_id=uuid.uuid4(), occurred_at=AT, patient_id=patient, **ENVELOPE,
                                   payload=StayPayload(**stay(patient)))
    [alert] = app.alerts_for_stay(admitted)
    stamp = trace(Actor(kind="hospital", id="330781196"), "corr-1", "cause-1")
    alert._resolve(reason="admission cancelled by the hospital", at=AT, patient_id=patient, trace=stamp)
    stored = alert._pending_events[-1]
    for newer in ("by", "note"):  # as the first admissions code stored it
        stored.__dict__.pop(newer, None)
    app.save(alert)
    assert app.alert(alert.id).status == "resolved"
    [event] = list(translate(stored))
    assert (event.payload.reason, event.payload.note) == (
        "cancelled_by_hospital", "admission cancelled by the hospital")
