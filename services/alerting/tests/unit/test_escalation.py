"""Escalation deadlines from alerting's own events: step 1 to the coordinators after the delay,
step 2 to the administrators after another, never twice, never after an acknowledgement."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alerting_events import breach

from ecovid_events import Actor
from ecovid_events.alerting import AlertEscalated
from ecovid_events.ecovid import Breach
from ecovid_platform.storage import Storage

from alerting import escalation
from alerting.application import AlertingApplication
from alerting.integration import translate

DELAY = timedelta(seconds=30)
DOCTOR, COORDINATOR, ADMINISTRATOR = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def project(app: AlertingApplication, storage: Storage, done: set[Any]) -> list[Any]:
    """The escalation projection over every event not projected yet, in log order."""
    handlers = escalation.projection(DELAY).handlers
    events = [e for n in app.recorder.select_notifications(1, 1000) for e in translate(app.mapper.to_domain_event(n))]
    fresh = [e for e in events if e.event_id not in done]
    with storage.transaction() as session:
        for event in fresh:
            done.add(event.event_id)
            if event.event_type in handlers:
                handlers[event.event_type].apply(session, event)
    return events


def due(storage: Storage) -> list[tuple[int, datetime]]:
    with storage.transaction() as session:
        return [(r.step, r.due_at) for r in session.execute(sa.select(escalation.deadlines))]


def test_escalated_to_coordinators_then_administrators_once_each(app: AlertingApplication, storage: Storage) -> None:
    """Break: the watcher's step ignored by `Alert.escalate` (`step <= escalation_step` check removed)
    -> the deadline fired twice escalates twice, fails."""
    circle = [(DOCTOR, "doctor"), (COORDINATOR, "coordinator"), (ADMINISTRATOR, "administrator")]
    app.members = lambda patient_id: circle
    effects = app.alerts_for_breach(breach("alert", [Breach(indicator="spo2", value=84, level="alert")]))
    app.save(*effects)
    done: set[Any] = set()
    project(app, storage, done)
    [(step, at)] = due(storage)
    watcher = escalation.Watcher(app, storage)
    assert step == 1 and watcher.fire_due(at - timedelta(seconds=1)) == 0  # not yet
    assert watcher.fire_due(at) == 1
    assert watcher.fire_due(at) == 0  # fired again before the projection moved it: nothing
    events = project(app, storage, done)
    [first] = [e for e in events if isinstance(e, AlertEscalated)]
    assert (first.payload.step, first.payload.to_roles, first.payload.recipients) == (1, ["coordinator"], [COORDINATOR])
    [(step, at2)] = due(storage)
    assert step == 2 and at2 > at
    assert watcher.fire_due(at2) == 1
    events = project(app, storage, done)
    assert [e.payload.recipients for e in events if isinstance(e, AlertEscalated)] == [[COORDINATOR], [ADMINISTRATOR]]
    assert due(storage) == []  # no step 3
    assert app.alert(effects[0].id).recipients == sorted([COORDINATOR, ADMINISTRATOR, DOCTOR], key=str)


def test_acknowledging_stops_it(app: AlertingApplication, storage: Storage) -> None:
    """Break: `ended` keeps the deadline and `Alert.escalate` ignores the status -> the deadline is
    still there after the acknowledgement, fails."""
    effects = app.alerts_for_breach(breach("alert", [Breach(indicator="spo2", value=84, level="alert")]))
    app.save(*effects)
    done: set[Any] = set()
    project(app, storage, done)
    [(_, at)] = due(storage)
    app.acknowledge(effects[0].id, Actor(kind="professional", id=str(DOCTOR)), "c")
    project(app, storage, done)
    assert due(storage) == []
    assert escalation.Watcher(app, storage).fire_due(at + DELAY * 10) == 0


def test_an_old_alert_first_projected_gets_no_deadline(app: AlertingApplication, storage: Storage) -> None:
    effects = app.alerts_for_breach(breach("alert", [Breach(indicator="spo2", value=84, level="alert")]))
    app.save(*effects)
    later = escalation.projection(DELAY, now=lambda: datetime.now(UTC) + timedelta(days=2)).handlers
    [raised] = [e for n in app.recorder.select_notifications(1, 10) for e in translate(app.mapper.to_domain_event(n))]
    with storage.transaction() as session:
        later["AlertRaised"].apply(session, raised)
    assert due(storage) == []
