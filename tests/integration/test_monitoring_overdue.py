"""Missed reports on a stack of its own (3 s reporting interval): one `missed_report` alert per gap,
the patient shown `overdue`, nothing while in hospital, and deadlines that survive a restart."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from ecovid_stack.stack import Stack

from tests.integration.support import (
    ADMIN,
    NORMAL,
    PASSWORD,
    Api,
    create_database,
    drop_database,
    eventually,
    now_iso,
    start_stack,
)


@pytest.fixture(scope="module")
def fast_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    database = create_database()
    stack = start_stack(tmp_path_factory.mktemp("overdue-stack"), database,
                        ECOVID_REPORTING_INTERVAL_SECONDS="3", ECOVID_OVERDUE_POLL_SECONDS="0.5")
    yield stack
    stack.stop()
    drop_database(database)


@pytest.fixture(scope="module")
def team(fast_stack: Stack) -> tuple[Api, str]:
    admin = Api.login(fast_stack.url("gateway"), ADMIN["username"], ADMIN["password"])
    structure_id = admin.structure()
    _, email = admin.professional(structure_id)
    return Api.login(fast_stack.url("gateway"), email, PASSWORD), structure_id


def missed(doctor: Api, patient: str) -> list[dict]:
    return [a for a in doctor.alerts(patient) if a["kind"] == "missed_report"]


def state(doctor: Api, name: str) -> str | None:
    rows = doctor.ok("GET", "/monitoring/patients", params={"population": "adults", "name": name})["rows"]
    return rows[0]["general_state"] if rows else None


def test_one_alert_per_gap_and_overdue_state(team: tuple[Api, str]) -> None:
    doctor, structure_id = team
    patient = doctor.patient("Silencieux")
    episode = doctor.episode(patient, structure_id)
    [alert] = eventually(lambda: missed(doctor, patient), timeout=30)
    assert (alert["level"], alert["status"]) == ("alert", "raised")
    assert eventually(lambda: state(doctor, "Silencieux") == "overdue")
    assert doctor.ok("GET", f"/care-episodes/{episode}")["general_state"] == "overdue"
    time.sleep(2)  # an absence can only be seen by waiting: several polls pass over the same gap
    assert len(missed(doctor, patient)) == 1
    doctor.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(0), **NORMAL})
    assert doctor.ok("GET", f"/care-episodes/{episode}")["general_state"] in ("normal", "overdue")
    assert len(eventually(lambda: len(missed(doctor, patient)) == 2 and missed(doctor, patient), timeout=30)) == 2


def test_no_missed_report_in_hospital_nor_after_closing(team: tuple[Api, str]) -> None:
    doctor, structure_id = team
    in_hospital = doctor.patient("Hospitalier")
    episode = doctor.episode(in_hospital, structure_id)
    doctor.ok("POST", f"/care-episodes/{episode}/hospitalisation")
    closed = doctor.patient("Clos")
    doctor.ok("POST", f"/care-episodes/{doctor.episode(closed, structure_id)}/close")
    watched = doctor.patient("Témoin")
    doctor.episode(watched, structure_id)
    eventually(lambda: missed(doctor, watched), timeout=30)
    assert missed(doctor, in_hospital) == [] and missed(doctor, closed) == []
    row = doctor.ok("GET", "/monitoring/patients", params={"population": "adults", "name": "Hospitalier"})["rows"][0]
    assert row["hospitalised"] is True and row["general_state"] == "none"


def test_deadlines_survive_a_restart(fast_stack: Stack, team: tuple[Api, str]) -> None:
    doctor, structure_id = team
    patient = doctor.patient("Redémarrage")
    doctor.episode(patient, structure_id)
    fast_stack.kill("ecovid-monitor")  # the deadline falls due while the service is down
    fast_stack.restart("ecovid-monitor")
    [alert] = eventually(lambda: missed(doctor, patient), timeout=30)
    assert alert["level"] == "alert"
