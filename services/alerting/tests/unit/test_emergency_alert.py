"""An emergency access (bris de glace) to a patient's record: a `watch` alert for the whole circle."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ecovid_events.care_circle import EmergencyAccessDeclared, EmergencyAccessPayload

from alerting.application import AlertingApplication
from alerting.integration import translate

AT = datetime(2026, 11, 30, 3, 12, tzinfo=UTC)
URGENTIST = uuid.uuid4()


def declared(patient: uuid.UUID) -> EmergencyAccessDeclared:
    return EmergencyAccessDeclared(
        event_id=uuid.uuid4(), occurred_at=AT, patient_id=patient, producer="care-circle",
        correlation_id="corr-9", actor={"kind": "professional", "id": str(URGENTIST)},
        payload=EmergencyAccessPayload(professional_id=URGENTIST, reason="détresse respiratoire, centre 15",
                                       declared_at=AT, expires_at=AT + timedelta(hours=4)),
    )


def test_an_emergency_access_alerts_every_member_once(app: AlertingApplication) -> None:
    """Break: the handler not wired or the policy limited to physicians and nurses -> the pharmacist
    and the home help are not told, fails; the _exists check skipped -> a second alert on redelivery."""
    patient = uuid.uuid4()
    doctor, pharmacist, helper = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    app.members = lambda p: [(doctor, "physician"), (pharmacist, "pharmacist"), (helper, "home_help")]
    event = declared(patient)
    [alert] = app.alerts_for_emergency_access(event)
    app.save(alert)
    assert (alert.kind, alert.level, alert.patient_id) == ("emergency_access", "watch", patient)
    assert set(alert.recipients) == {doctor, pharmacist, helper}
    assert alert.summary == ("emergency access by a professional outside the circle until "
                             "2026-11-30T07:12+00:00: détresse respiratoire, centre 15")
    assert app.alerts_for_emergency_access(event) == []
    [raised] = [e for stored in app.repository.event_store.get(alert.id) for e in translate(stored)]
    assert (raised.event_type, raised.payload.kind, raised.payload.source_event_id) == (
        "AlertRaised", "emergency_access", event.event_id)
