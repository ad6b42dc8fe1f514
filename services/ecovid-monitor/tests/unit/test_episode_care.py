"""Use cases of a care episode: hospitalisation, missed reports once per gap, who may enter a reading."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from ecovid_events import Actor
from ecovid_platform.errors import Conflict

from ecovid_monitor.application import Forbidden, MonitorApplication
from ecovid_monitor.domain.rules import ReadingValues
from ecovid_monitor.integration import translate

DOCTOR = Actor(kind="professional", id=str(uuid.uuid4()))


def open_episode(app: MonitorApplication, per_day: int = 2) -> tuple[uuid.UUID, uuid.UUID]:
    patient = uuid.uuid4()
    details = {"started_on": date.today() - timedelta(days=1), "status": "tested_positive",
               "structure_id": uuid.uuid4(), "readings_per_day": per_day, "needs_assistance": False}
    return patient, app.open_episode(patient, date(1960, 1, 1), details, DOCTOR, "c")


def read(app: MonitorApplication, episode_id: uuid.UUID, actor: Actor = DOCTOR) -> None:
    app.record_reading(episode_id, datetime.now(UTC), ReadingValues(temperature=37), actor, "c")


def published(app: MonitorApplication) -> list[str]:
    notifications = app.recorder.select_notifications(start=1, limit=1000)
    events = [e for n in notifications for e in translate(app.mapper.to_domain_event(n))]
    return [e.event_type for e in events]


def test_missed_report_once_per_gap(app: MonitorApplication) -> None:
    _, episode_id = open_episode(app)
    later = datetime.now(UTC) + timedelta(hours=12, seconds=1)
    assert not app.record_overdue(episode_id, datetime.now(UTC) + timedelta(hours=11), "c")
    assert app.record_overdue(episode_id, later, "c")
    assert not app.record_overdue(episode_id, later + timedelta(hours=1), "c")
    assert app.episode(episode_id).general_state == "overdue"
    read(app, episode_id)
    assert app.episode(episode_id).general_state == "normal"
    assert app.record_overdue(episode_id, datetime.now(UTC) + timedelta(hours=13), "c")
    assert published(app).count("ReadingOverdue") == 2


def test_interval_follows_readings_per_day_or_the_override(app: MonitorApplication) -> None:
    _, episode_id = open_episode(app, per_day=4)
    assert app.record_overdue(episode_id, datetime.now(UTC) + timedelta(hours=6, seconds=1), "c")
    app.reporting_interval_override = 3
    _, short = open_episode(app)
    assert app.record_overdue(short, datetime.now(UTC) + timedelta(seconds=4), "c")


def test_no_missed_report_in_hospital_until_discharge(app: MonitorApplication) -> None:
    _, episode_id = open_episode(app)
    app.mark_hospitalised(episode_id, True, DOCTOR, "c")
    assert app.episode(episode_id).hospitalised
    assert not app.record_overdue(episode_id, datetime.now(UTC) + timedelta(days=3), "c")
    app.mark_hospitalised(episode_id, False, DOCTOR, "c")
    assert not app.record_overdue(episode_id, datetime.now(UTC) + timedelta(hours=11), "c")
    assert app.record_overdue(episode_id, datetime.now(UTC) + timedelta(hours=13), "c")


def test_status_closing_and_hospitalisation_are_published(app: MonitorApplication) -> None:
    _, episode_id = open_episode(app)
    app.change_status(episode_id, "tested_negative", DOCTOR, "c")
    app.mark_hospitalised(episode_id, True, DOCTOR, "c")
    app.mark_hospitalised(episode_id, True, DOCTOR, "c")  # already: nothing new
    app.close_episode(episode_id, date.today(), DOCTOR, "c")
    assert published(app) == ["CareEpisodeOpened", "CareStatusChanged", "CareStatusChanged", "CareEpisodeClosed"]
    assert not app.record_overdue(episode_id, datetime.now(UTC) + timedelta(days=3), "c")
    with pytest.raises(Conflict):
        app.mark_hospitalised(episode_id, False, DOCTOR, "c")


def test_a_patient_writes_only_to_their_own_episode(app: MonitorApplication) -> None:
    patient, episode_id = open_episode(app)
    with pytest.raises(Forbidden):
        read(app, episode_id, Actor(kind="patient", id=str(uuid.uuid4())))
    read(app, episode_id, Actor(kind="patient", id=str(patient)))
    read(app, episode_id, Actor(kind="admin", id="x"))
    readings = app.readings(episode_id)
    assert [r["source"] for r in readings] == ["patient", "proxy"]
    assert all(r["recorded_at"] >= r["taken_at"] for r in readings)


def test_a_reading_is_translated_into_the_events_asked_for_only(app: MonitorApplication) -> None:
    """A projection asks for the types it applies: the breach it does not apply is not built,
    and what is built is the very event the outbox publishes."""
    _, episode_id = open_episode(app)
    app.record_reading(episode_id, datetime.now(UTC), ReadingValues(temperature=40.5, spo2=90), DOCTOR, "c")
    reading = app.mapper.to_domain_event(app.recorder.select_notifications(start=1, limit=1000)[-1])
    recorded, breached = translate(reading)
    assert (recorded.event_type, breached.event_type) == ("ReadingRecorded", "ThresholdBreached")
    assert list(translate(reading, {"ReadingRecorded", "CareEpisodeOpened"})) == [recorded]
    assert list(translate(reading, {"ThresholdBreached"})) == [breached]
    assert list(translate(reading, set())) == []
