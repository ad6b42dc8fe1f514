"""The caller's alerts: recipients chosen by the policy, per-recipient read marks, filters,
and `before=` keyset paging that neither repeats nor skips while alerts arrive."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from alerting_events import breach, overdue
from fastapi.testclient import TestClient

from ecovid_events.alerting import AlertRaised
from ecovid_events.ecovid import Breach
from ecovid_platform.storage import Storage

from alerting import read_models
from alerting.application import AlertingApplication
from alerting.domain.recipients import DEFAULT_POLICY
from alerting.integration import translate

DOCTOR, NURSE, COORDINATOR, NEWCOMER = (uuid.uuid4() for _ in range(4))
CIRCLE = [(DOCTOR, "doctor"), (NURSE, "nurse"), (COORDINATOR, "coordinator"), (NEWCOMER, "member")]


def test_the_default_policy_tells_physicians_nurses_and_members_of_unknown_role() -> None:
    """Break: an unknown role treated as receiving nothing -> the newcomer is left out, fails."""
    assert DEFAULT_POLICY.recipients("threshold", CIRCLE) == sorted([DOCTOR, NURSE, NEWCOMER], key=str)
    assert DEFAULT_POLICY.recipients("hospitalised", CIRCLE) == sorted([m for m, _ in CIRCLE], key=str)
    assert DEFAULT_POLICY.recipients("missed_report", [(COORDINATOR, None)]) == [COORDINATOR]


def project(app: AlertingApplication, storage: Storage, seen: set[uuid.UUID]) -> None:
    """What the local projection does: every new event into the list, in log order."""
    local = read_models.read_models()[0].local
    assert local is not None
    events = [e for n in app.recorder.select_notifications(1, 10_000)
              for e in translate(app.mapper.to_domain_event(n))]
    fresh = [e for e in events if e.event_id not in seen]
    seen.update(e.event_id for e in fresh)
    with storage.transaction() as session:
        raised = [e for e in fresh if isinstance(e, AlertRaised)]
        if raised:
            read_models.alerts_raised(session, raised)
        for event in fresh:
            if not isinstance(event, AlertRaised) and event.event_type in local.handlers:
                local.handlers[event.event_type].apply(session, event)


def raise_some(app: AlertingApplication, patient: uuid.UUID, count: int) -> None:
    for _ in range(count):
        app.save(*app.alerts_for_breach(breach("alert", [Breach(indicator="spo2", value=88, level="alert")],
                                               patient_id=patient)))


def test_keyset_pages_stay_exact_while_alerts_arrive(app: AlertingApplication, storage: Storage) -> None:
    """Break: `seq <= cursor` instead of `<` -> the page boundary row repeats, fails;
    break: `alerts_raised` numbers a run without the stored highest `seq` -> a duplicate seq, fails."""
    patient, seen = uuid.uuid4(), set()
    app.members = lambda patient_id: CIRCLE
    with storage.transaction() as session:
        for professional, role in CIRCLE:
            session.execute(read_models.circle_members.insert().values(
                patient_id=patient, professional_id=professional, role=role))
    raise_some(app, patient, 10)
    project(app, storage, seen)
    with storage.transaction() as session:
        everything, _ = read_models.list_alerts(session, recipient=NURSE, limit=100)
    read, before = [], None
    while True:
        with storage.transaction() as session:
            page, before = read_models.list_alerts(session, recipient=NURSE, limit=3, before=before)
        read.extend(a["id"] for a in page)
        raise_some(app, patient, 2)  # arriving between pages, newer than every cursor
        project(app, storage, seen)
        if before is None:
            break
    assert read == [a["id"] for a in everything] and len(read) == 10
    with storage.transaction() as session:
        assert len(read_models.list_alerts(session, recipient=NURSE, limit=100)[0]) == 10 + 2 * 4
        assert read_models.list_alerts(session, recipient=COORDINATOR, limit=100)[0] == []  # not told


def test_read_marks_are_each_recipient_s_own(client: TestClient, app: AlertingApplication, storage: Storage) -> None:
    """Break: the `read` test ignores the reader (anyone's mark counts) -> the doctor's mark hides the
    alert from the nurse's unread ones, fails."""
    patient, seen = uuid.uuid4(), set()
    app.members = lambda patient_id: CIRCLE
    with storage.transaction() as session:
        for professional, role in CIRCLE:
            session.execute(read_models.circle_members.insert().values(
                patient_id=patient, professional_id=professional, role=role))
    raise_some(app, patient, 1)
    app.save(*app.alerts_for_missed_report(overdue(datetime(2026, 11, 20, tzinfo=UTC), patient_id=patient)))
    project(app, storage, seen)
    mine = {"recipient": str(DOCTOR)}
    threshold = client.get("/alerts", params={**mine, "kind": "threshold"}).json()
    assert [(a["kind"], a["read"]) for a in threshold] == [("threshold", False)]
    doctor = {"X-Actor-Kind": "professional", "X-Actor-Id": str(DOCTOR)}
    assert client.post(f"/alerts/{threshold[0]['id']}/read", headers=doctor).status_code == 204
    unread = client.get("/alerts", params={**mine, "unread": "true"}).json()
    assert [a["kind"] for a in unread] == ["missed_report"]
    nurse = client.get("/alerts", params={"recipient": str(NURSE), "unread": "true"}).json()
    assert len(nurse) == 2
    assert client.post(f"/alerts/{uuid.uuid4()}/read", headers=doctor).status_code == 404
    full = client.get("/alerts", params={**mine, "limit": 1})
    assert full.headers["X-Next-Before"] and "x-next-before" not in client.get("/alerts", params=mine).headers
    bad = client.get("/alerts", params={**mine, "before": "not-a-cursor"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "before"


def test_the_feed_gives_each_change_after_a_position_once(
    client: TestClient, app: AlertingApplication, storage: Storage
) -> None:
    """What the SSE stream relays. Break: `feed` reads `seq >= after` -> the last event seen comes
    again on resume, fails."""
    from ecovid_events import Actor

    patient, seen = uuid.uuid4(), set()
    app.members = lambda patient_id: CIRCLE
    with storage.transaction() as session:
        for professional, role in CIRCLE:
            session.execute(read_models.circle_members.insert().values(
                patient_id=patient, professional_id=professional, role=role))
    start = client.get("/alerts/feed", params={"recipient": str(NURSE), "limit": 0}).json()["end"]
    raise_some(app, patient, 1)
    project(app, storage, seen)
    first = client.get("/alerts/feed", params={"recipient": str(NURSE), "after": start}).json()["items"]
    assert [i["event_type"] for i in first] == ["AlertRaised"]
    alert_id = AlertRaised.model_validate_json(first[0]["event"]).payload.alert_id
    app.acknowledge(alert_id, Actor(kind="professional", id=str(DOCTOR)), "c")
    project(app, storage, seen)
    resumed = client.get("/alerts/feed", params={"recipient": str(NURSE), "after": first[-1]["seq"]}).json()
    assert [i["event_type"] for i in resumed["items"]] == ["AlertAcknowledged"]
    assert resumed["items"][0]["seq"] == resumed["end"] == first[-1]["seq"] + 1
    hidden = client.get("/alerts/feed", params={"recipient": str(COORDINATOR), "after": start}).json()["items"]
    assert hidden == []  # not told of it
