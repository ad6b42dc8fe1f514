"""Which events raise an alert, with what summary, and only once per source event."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from alerting_events import breach, overdue

from ecovid_events import Actor
from ecovid_events.ecovid import Breach
from ecovid_platform.errors import Conflict, NotFound

from alerting.application import AlertingApplication

NURSE = Actor(kind="professional", id="pro-7")


def test_an_alert_level_breach_raises_one_threshold_alert_naming_its_alert_indicators(
    app: AlertingApplication,
) -> None:
    """Break: summary built from every breach, watch ones included -> fails."""
    event = breach("alert", [Breach(indicator="spo2", value=90, level="alert", lower=95),
                             Breach(indicator="heart_rate", value=125, level="watch", upper=90),
                             Breach(indicator="temperature", value=40.3, level="alert", upper=38)])
    alert, episode = app.alerts_for_breach(event)
    assert (alert.kind, alert.level, alert.status) == ("threshold", "alert", "raised")
    assert episode.open == {"threshold": alert.id}
    assert (alert.patient_id, alert.reading_id) == (event.patient_id, event.payload.reading_id)
    assert alert.summary == "spo2=90, temperature=40.3"


def test_a_score_alone_names_the_news2_partial_score(app: AlertingApplication) -> None:
    """Alert made by the combination rule: no single indicator is at alert level."""
    event = breach("alert", [Breach(indicator="respiratory_rate", value=22, level="watch")], score=6)
    alert, _ = app.alerts_for_breach(event)
    assert alert.summary == "NEWS2 partial score 6"


def test_a_watch_breach_raises_nothing(app: AlertingApplication) -> None:
    """Break: `overall_level != "alert"` check removed -> fails."""
    assert app.alerts_for_breach(breach("watch", [Breach(indicator="cough", value=True, level="watch")])) == []


def test_a_breach_delivered_again_raises_nothing_more(app: AlertingApplication) -> None:
    """Break: `absorb` without its look at `sources` -> the second delivery counts twice, fails."""
    event = breach("alert", [Breach(indicator="spo2", value=88, level="alert")])
    alert, episode = app.alerts_for_breach(event)
    app.save(alert, episode)
    assert app.alerts_for_breach(event) == []
    other = breach("alert", [Breach(indicator="spo2", value=88, level="alert")], patient_id=event.patient_id)
    second, _ = app.alerts_for_breach(other)  # another episode of the same patient: another alert
    assert second.id != alert.id


def test_a_missed_report_raises_one_alert_level_alert_dated_from_the_gap(app: AlertingApplication) -> None:
    """Break: `absorb` without its look at `sources` -> fails on the second delivery."""
    event = overdue(datetime(2026, 11, 20, 8, 30, 12, tzinfo=UTC))
    alert, episode = app.alerts_for_missed_report(event)
    assert (alert.kind, alert.level, alert.reading_id) == ("missed_report", "alert", None)
    assert alert.summary == "no reading since 2026-11-20T08:30+00:00"
    app.save(alert, episode)
    assert app.alerts_for_missed_report(event) == []


def test_acknowledged_once_by_the_first_professional(app: AlertingApplication) -> None:
    """Break: WrongState not raised on a second acknowledgement -> no 409, fails."""
    effects = app.alerts_for_breach(breach("alert", [Breach(indicator="spo2", value=88, level="alert")]))
    app.save(*effects)
    alert = effects[0]
    done = app.acknowledge(alert.id, NURSE, "corr-2")
    assert (done.status, done.acknowledged_by) == ("acknowledged", "pro-7")
    with pytest.raises(Conflict) as refused:
        app.acknowledge(alert.id, Actor(kind="professional", id="pro-8"), "corr-3")
    assert refused.value.field == "alert_id"
    assert str(refused.value) == "cannot acknowledge an alert that is acknowledged"
    assert app.alert(alert.id).acknowledged_by == "pro-7"


def test_an_unknown_alert_is_not_found(app: AlertingApplication) -> None:
    with pytest.raises(NotFound):
        app.acknowledge(uuid.uuid4(), NURSE, "corr-4")
