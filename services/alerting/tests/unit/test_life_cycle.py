"""The alert's life cycle: an open alert absorbs further readings of its episode; acknowledged,
escalated before acknowledgement, resolved with a reason; a missed report ends with a reading."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from alerting_events import breach, overdue, reading

from ecovid_events import Actor
from ecovid_events.alerting import AlertEscalated, AlertResolved, AlertUpdated
from ecovid_events.ecovid import Breach
from ecovid_platform.errors import Conflict

from alerting.application import AlertingApplication
from alerting.domain.alert import Alert
from alerting.integration import translate

NURSE = Actor(kind="professional", id="pro-7")
PATIENT, EPISODE = uuid.uuid4(), uuid.uuid4()


def red(value: float = 88, level: str = "alert") -> Any:
    return breach("alert", [Breach(indicator="spo2", value=value, level=level)],
                  patient_id=PATIENT, episode_id=EPISODE)


def apply(app: AlertingApplication, effects: list[Any]) -> Alert | None:
    app.save(*effects)
    return next((a for a in effects if isinstance(a, Alert)), None)


def published(app: AlertingApplication) -> list[Any]:
    stored = app.recorder.select_notifications(1, 1000)
    return [e for n in stored for e in translate(app.mapper.to_domain_event(n))]


def test_a_further_red_reading_updates_the_open_alert(app: AlertingApplication) -> None:
    """Break: `_raise_or_update` ignores the episode's open alert -> a second alert, fails."""
    first = apply(app, app.alerts_for_breach(red(88)))
    second_breach = red(84)
    updated = apply(app, app.alerts_for_breach(second_breach))
    assert updated is not None and first is not None and updated.id == first.id
    assert (updated.occurrences, updated.summary) == (2, "spo2=84")
    assert updated.reading_id == second_breach.payload.reading_id
    assert app.alerts_for_breach(second_breach) == []  # redelivered: absorbed once
    [update] = [e for e in published(app) if isinstance(e, AlertUpdated)]
    assert (update.payload.occurrences, update.payload.alert_id) == (2, first.id)


def test_an_acknowledged_alert_still_absorbs_a_resolved_one_does_not(app: AlertingApplication) -> None:
    """Break: `closed` not called on resolve -> the third reading updates the resolved alert, fails."""
    first = apply(app, app.alerts_for_breach(red()))
    assert first is not None
    app.acknowledge(first.id, NURSE, "c")
    assert apply(app, app.alerts_for_breach(red())).id == first.id  # type: ignore[union-attr]
    app.resolve(first.id, NURSE, "taken_care_of", None, "c")
    absorbed = red()
    fresh = apply(app, app.alerts_for_breach(absorbed))
    assert fresh is not None and fresh.id != first.id and fresh.occurrences == 1


def test_a_breach_absorbed_before_resolution_raises_nothing_when_redelivered(app: AlertingApplication) -> None:
    """Break: `closed_sources` not looked at -> the redelivered breach opens a new alert, fails."""
    first = apply(app, app.alerts_for_breach(red()))
    second = red()
    apply(app, app.alerts_for_breach(second))
    assert first is not None
    app.resolve(first.id, NURSE, "false_alarm", "sensor off", "c")
    assert app.alerts_for_breach(second) == []


def test_resolved_once_with_reason_then_409_naming_the_state(app: AlertingApplication) -> None:
    """Break: resolve allowed on a resolved alert -> no Conflict, fails."""
    alert = apply(app, app.alerts_for_breach(red()))
    assert alert is not None
    done = app.resolve(alert.id, NURSE, "hospitalised", None, "c")
    assert (done.status, done.resolved_by, done.resolution) == ("resolved", "pro-7", "hospitalised")
    with pytest.raises(Conflict, match="cannot resolve an alert that is resolved"):
        app.resolve(alert.id, NURSE, "other", None, "c")
    with pytest.raises(Conflict, match="cannot acknowledge an alert that is resolved"):
        app.acknowledge(alert.id, NURSE, "c")
    [event] = [e for e in published(app) if isinstance(e, AlertResolved)]
    assert (event.payload.reason, event.payload.resolved_by) == ("hospitalised", "pro-7")


def test_escalated_only_before_acknowledgement_each_step_once(app: AlertingApplication) -> None:
    """Break: `escalate` ignores the status -> the acknowledged alert escalates, fails."""
    alert = apply(app, app.alerts_for_breach(red()))
    assert alert is not None
    assert app.escalate(alert.id, 1, ["coordinator"], "c") is not None
    assert app.escalate(alert.id, 1, ["coordinator"], "c") is None  # fired once
    escalated = app.acknowledge(alert.id, NURSE, "c")  # acknowledgeable while escalated
    assert escalated.status == "acknowledged"
    assert app.escalate(alert.id, 2, ["administrator"], "c") is None
    [event] = [e for e in published(app) if isinstance(e, AlertEscalated)]
    assert (event.payload.step, event.payload.to_roles) == (1, ["coordinator"])


def test_a_missed_report_alert_resolves_itself_on_the_next_reading(app: AlertingApplication) -> None:
    """Break: `reading_arrived` returns [] -> the alert stays open, fails."""
    alert = apply(app, app.alerts_for_missed_report(
        overdue(datetime(2026, 11, 20, 8, 0, tzinfo=UTC), patient_id=PATIENT, episode_id=EPISODE)))
    assert alert is not None
    arrived = reading(PATIENT, EPISODE)
    effects = app.reading_arrived(arrived)
    app.save(*effects)
    resolved = app.alert(alert.id)
    assert (resolved.status, resolved.resolved_by, resolved.resolution) == ("resolved", "platform", "reading_received")
    assert app.reading_arrived(arrived) == []  # redelivered: nothing open any more
    assert app.reading_arrived(reading(PATIENT, uuid.uuid4())) == []  # an episode with no alert


def test_two_red_readings_of_one_episode_in_one_batch_make_one_alert(app: AlertingApplication) -> None:
    """A consumer batch: effects of every event first, then one save with the tracking.
    Break: `find` ignores the effects held unsaved -> two alerts for the episode (the save conflicts), fails."""
    from eventsourcing.persistence import Tracking

    first, second = red(), red(80)
    effects = [*app.alerts_for_breach(first), *app.alerts_for_breach(second)]
    app.save_tracked(*effects, tracking=Tracking("alerting.alerts:t:0", 1))
    [alert] = {a.id: a for a in effects if isinstance(a, Alert)}.values()
    stored = app.alert(alert.id)
    assert (stored.occurrences, stored.summary) == (2, "spo2=80")
    assert app.alerts_for_breach(second) == []


def test_a_failing_handler_forgets_what_it_held(app: AlertingApplication) -> None:
    """Break: `handler` keeps the held effects when the handler fails -> the next batch finds an
    alert that was never saved and updates it, fails."""
    effects = app.alerts_for_breach(red())
    with pytest.raises(AttributeError):
        app.alerts_for_breach(None)  # type: ignore[arg-type]
    assert effects and app.alerts_for_breach(red()) != [] and len(app._unsaved()) == 2
    alert = next(a for a in app._unsaved().values() if isinstance(a, Alert))
    assert alert.occurrences == 1  # raised anew, not an update of the forgotten one
