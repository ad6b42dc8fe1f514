"""Alerts survive a restart: of the whole stack on the same data, and of the broker alone.

The development broker keeps its topics in memory: after a restart every partition's
offsets start again at 0 while the services' stores still hold their old positions.
Before issue 8, alerting skipped every breach at or below its recorded offset, so no
alert was ever raised again on that data (the bug these tests reproduce).

Break: make `TrackedCommands` skip deliveries at or below the recorded offset again
(the old `done_up_to` filter) -> both tests fail: the new red readings raise no alert.
Break: let the outbox relay die when the broker goes away (as before) -> the broker test
fails: every service with a relay stops, and the gateway refuses the next reading.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecovid_stack.stack import Stack

from tests.integration.support import (
    ADMIN,
    ALARMING,
    PASSWORD,
    Api,
    create_database,
    drop_database,
    eventually,
    now_iso,
    start_stack,
)


@pytest.fixture(params=["sqlite", "postgres"])
def own_stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    """A stack of this test's own: it is stopped and started again, which no shared stack may be."""
    database = create_database() if request.param == "postgres" else None
    stack = start_stack(tmp_path, database)
    try:
        yield stack
    finally:
        stack.stop()
        if database is not None:
            drop_database(database)


def _doctor(stack: Stack) -> tuple[Api, str, str]:
    admin = Api.login(stack.url("gateway"), ADMIN["username"], ADMIN["password"])
    structure_id = admin.structure()
    _, email = admin.professional(structure_id)
    return Api.login(stack.url("gateway"), email, PASSWORD), structure_id, email


def _red_reading(doctor: Api, episode: str, minutes_ago: int = 1) -> str:
    body = {"taken_at": now_iso(minutes_ago), **ALARMING}
    return str(doctor.ok("POST", f"/care-episodes/{episode}/readings", 201, json=body)["id"])


def _alert_readings(doctor: Api, patient: str, expected: int) -> list[str]:
    """The reading ids of the patient's alerts, once there are `expected` of them (and no more)."""
    eventually(lambda: len(doctor.alerts(patient)) >= expected, timeout=60)
    alerts = doctor.alerts(patient)
    assert len(alerts) == expected, alerts
    return sorted(str(a["reading_id"]) for a in alerts)


def _absorbed(doctor: Api, patient: str, latest: str) -> None:
    """The episode's one open alert took the second reading in (issue 11): two occurrences."""
    [alert] = eventually(lambda: [a for a in doctor.alerts(patient) if a["occurrences"] == 2], timeout=60)
    assert alert["reading_id"] == latest and len(doctor.alerts(patient)) == 1


def _fresh_patient(doctor: Api, structure_id: str, name: str) -> tuple[str, str]:
    patient = doctor.patient(name)
    return patient, doctor.episode(patient, structure_id)


def test_every_alert_after_the_stack_is_stopped_and_started_on_the_same_data(own_stack: Stack) -> None:
    doctor, structure_id, email = _doctor(own_stack)
    old_patient, old_episode = _fresh_patient(doctor, structure_id, "Avant")
    first = _red_reading(doctor, old_episode, minutes_ago=3)
    assert _alert_readings(doctor, old_patient, 1) == [first]

    own_stack.stop()
    own_stack.start(timeout=90)
    doctor = Api.login(own_stack.url("gateway"), email, PASSWORD)

    second = _red_reading(doctor, old_episode, minutes_ago=2)
    new_patient, new_episode = _fresh_patient(doctor, structure_id, "Apres")
    third = _red_reading(doctor, new_episode)

    _absorbed(doctor, old_patient, second)
    assert _alert_readings(doctor, new_patient, 1) == [third]


def test_every_alert_after_the_broker_alone_restarts_empty(own_stack: Stack) -> None:
    doctor, structure_id, _ = _doctor(own_stack)
    old_patient, old_episode = _fresh_patient(doctor, structure_id, "Courant")
    first = _red_reading(doctor, old_episode, minutes_ago=3)
    assert _alert_readings(doctor, old_patient, 1) == [first]

    own_stack.restart_broker()

    second = _red_reading(doctor, old_episode, minutes_ago=2)
    new_patient, new_episode = _fresh_patient(doctor, structure_id, "Coupure")
    third = _red_reading(doctor, new_episode)

    _absorbed(doctor, old_patient, second)
    assert _alert_readings(doctor, new_patient, 1) == [third]

