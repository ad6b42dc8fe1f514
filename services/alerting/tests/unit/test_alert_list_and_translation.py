"""Stored alert events -> integration events (the outbox's translation) -> the alert list read model,
and the care circle kept from care-circle's events, which decides who is told."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alerting_events import breach
from sqlalchemy.orm import Session

from ecovid_events import Actor
from ecovid_events.alerting import AlertAcknowledged, AlertRaised
from ecovid_events.care_circle import CareTeamMemberAdded, CareTeamMemberPayload, CareTeamMemberRemoved
from ecovid_events.ecovid import Breach
from ecovid_platform.storage import Storage

from alerting import read_models
from alerting.application import AlertingApplication
from alerting.domain.alert import Alert
from alerting.integration import translate


def published(app: AlertingApplication) -> list:
    """What the outbox would publish: every stored event, translated."""
    return [e for n in app.notification_log.select(1, 10) for e in translate(app.mapper.to_domain_event(n))]


def raise_alert(app: AlertingApplication, patient_id: uuid.UUID, value: int = 88) -> Alert:
    event = breach("alert", [Breach(indicator="spo2", value=value, level="alert")], patient_id=patient_id)
    alert, episode = app.alerts_for_breach(event)
    app.save(alert, episode)
    return alert


def member(kind: type, patient_id: uuid.UUID, professional_id: uuid.UUID) -> CareTeamMemberAdded:
    return kind(event_id=uuid.uuid4(), occurred_at=datetime.now(UTC), producer="care-circle", patient_id=patient_id,
                correlation_id="c", actor={"kind": "professional", "id": "x"},
                payload=CareTeamMemberPayload(professional_id=professional_id, role="member"))


def test_raised_and_acknowledged_alerts_translate_with_their_cause_and_a_stable_id(app: AlertingApplication) -> None:
    """Break: the envelope (ecovid_platform.integration) draws a uuid4 event id -> the re-publish check fails;
    break: source_event_id filled with the alert id -> fails."""
    patient = uuid.uuid4()
    cause = breach("alert", [Breach(indicator="spo2", value=88, level="alert")], patient_id=patient)
    alert, episode = app.alerts_for_breach(cause)
    app.save(alert, episode)
    app.acknowledge(alert.id, Actor(kind="professional", id="pro-7"), "corr-ack")
    raised, acknowledged = published(app)
    assert isinstance(raised, AlertRaised) and isinstance(acknowledged, AlertAcknowledged)
    assert (raised.producer, raised.patient_id, raised.correlation_id) == ("alerting", patient, "corr-1")
    assert raised.causation_id == str(cause.event_id)
    p = raised.payload
    assert (p.alert_id, p.kind, p.level, p.summary) == (alert.id, "threshold", "alert", "spo2=88")
    assert (p.source_event_id, p.reading_id) == (cause.event_id, cause.payload.reading_id)
    assert (acknowledged.payload.alert_id, acknowledged.payload.acknowledged_by) == (alert.id, "pro-7")
    assert acknowledged.correlation_id == "corr-ack" and acknowledged.actor.id == "pro-7"
    assert [e.event_id for e in published(app)] == [raised.event_id, acknowledged.event_id]  # re-published: same ids
    assert raised.event_id != acknowledged.event_id


def test_the_list_shows_raised_then_acknowledged_alerts_newest_first(
    app: AlertingApplication, storage: Storage
) -> None:
    """Break: alert_acknowledged updates nothing -> the status stays `raised`, fails."""
    patient, other = uuid.uuid4(), uuid.uuid4()
    first, second = raise_alert(app, patient, 88), raise_alert(app, patient, 87)
    raise_alert(app, other, 86)
    app.acknowledge(first.id, Actor(kind="professional", id="pro-7"), "c")
    events = published(app)
    raised = [e for e in events if isinstance(e, AlertRaised)]
    base = datetime(2026, 11, 20, 8, tzinfo=UTC)
    # Dated an hour apart, so that the order is the one written here, not the clock's.
    raised = [e.model_copy(update={"payload": e.payload.model_copy(update={"raised_at": base + timedelta(hours=i)})})
              for i, e in enumerate(raised)]
    with storage.transaction() as session:
        read_models.alerts_raised(session, raised[:2])
        read_models.alert_raised(session, raised[2])
        for e in events:
            if isinstance(e, AlertAcknowledged):
                read_models.alert_acknowledged(session, e)
    with storage.transaction() as session:
        listed, _ = read_models.list_alerts(session, patient_id=patient, limit=10)
        assert [a["id"] for a in listed] == [str(second.id), str(first.id)]
        assert (listed[1]["status"], listed[1]["acknowledged_by"]) == ("acknowledged", "pro-7")
        assert listed[1]["acknowledged_at"] is not None and listed[0]["acknowledged_at"] is None
        assert listed[0]["raised_at"] == "2026-11-20T09:00:00+00:00"
        assert (listed[0]["summary"], listed[0]["kind"], listed[0]["level"]) == ("spo2=87", "threshold", "alert")
        assert listed[0]["reading_id"] is not None
        only_raised, _ = read_models.list_alerts(session, status="raised", limit=10)
        assert {a["id"] for a in only_raised} == {str(second.id), str(raised[2].payload.alert_id)}
        page, _ = read_models.list_alerts(session, limit=1, offset=1)
        assert [a["id"] for a in page] == [str(second.id)]


def test_a_professional_sees_the_alerts_of_the_circles_they_are_in(app: AlertingApplication, storage: Storage) -> None:
    """Break: member_removed deletes nothing -> the removed professional still sees the alert, fails;
    break: member_added without its existence check -> the second delivery is an IntegrityError."""
    mine, theirs, pro = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    app.members = lambda patient_id: [(pro, "member")]  # told of both, in one circle only
    mine_alert, _ = raise_alert(app, mine), raise_alert(app, theirs)
    added = member(CareTeamMemberAdded, mine, pro)
    with storage.transaction() as session:
        read_models.alerts_raised(session, [e for e in published(app) if isinstance(e, AlertRaised)])
        read_models.member_added(session, added)
        read_models.member_added(session, added)  # delivered twice

    def seen(session: Session) -> list[str]:
        return [a["id"] for a in read_models.list_alerts(session, recipient=pro, limit=10)[0]]

    with storage.transaction() as session:
        assert seen(session) == [str(mine_alert.id)]
        assert session.scalar(sa.select(sa.func.count()).select_from(read_models.circle_members)) == 1
        read_models.member_removed(session, member(CareTeamMemberRemoved, mine, pro))
    with storage.transaction() as session:
        assert seen(session) == []
