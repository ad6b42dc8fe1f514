"""Missed reports on a stack of its own (3 s reporting interval): one `missed_report` alert per gap,
the patient shown `overdue`, nothing while in hospital, and deadlines that survive a restart.

No fixed sleep: an absence is shown by a witness episode opened later whose own missed report
proves that the poller has passed over the first gap again and again; the restart test waits,
service down, until the deadline's instant has passed, and reads when the report was recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

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

INTERVAL = timedelta(seconds=3)


@pytest.fixture(scope="module")
def fast_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    database = create_database()
    stack = start_stack(tmp_path_factory.mktemp("overdue-stack"), database,
                        ECOVID_REPORTING_INTERVAL_SECONDS=str(INTERVAL.total_seconds()),
                        ECOVID_OVERDUE_POLL_SECONDS="0.5")
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
    """Break: ReadingOverdue no longer clears the deadline row and the aggregate's once-per-gap refusal
    is removed -> the silent patient gets a second alert before the witness's first, fails;
    break: alerting's `reading_arrived` returns [] -> the first alert stays raised and, still open,
    absorbs the second gap's report: one alert, the last wait times out;
    break: a reading does not re-arm the deadline (Deadlines.reading_recorded does nothing) ->
    no second gap is reported, the last wait times out."""
    doctor, structure_id = team
    patient = doctor.patient("Silencieux")
    episode = doctor.episode(patient, structure_id)
    [alert] = eventually(lambda: missed(doctor, patient), timeout=30)
    assert (alert["level"], alert["status"]) == ("alert", "raised")
    assert eventually(lambda: state(doctor, "Silencieux") == "overdue")
    assert doctor.ok("GET", f"/care-episodes/{episode}")["general_state"] == "overdue"
    # The witness falls due a whole interval after the first alert was seen: by the time its own
    # alert shows, the poller (every 0.5 s) has passed over the first gap several times.
    witness = doctor.patient("Témoin de passage")
    doctor.episode(witness, structure_id)
    eventually(lambda: missed(doctor, witness), timeout=30)
    assert len(missed(doctor, patient)) == 1

    before_reading = datetime.now(UTC)
    doctor.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(0), **NORMAL})
    # The reading starts a new gap: its missed report comes one interval after the reading, not before.
    # (That the reading itself ends the overdue state is shown with an injected clock in
    # services/ecovid-monitor/tests/unit/test_episode_care.py::test_missed_report_once_per_gap.)
    both = eventually(lambda: len(missed(doctor, patient)) == 2 and missed(doctor, patient), timeout=30)
    second = max(both, key=lambda a: a["raised_at"])
    assert datetime.fromisoformat(second["raised_at"]) >= before_reading + INTERVAL
    # The reading ended the first alert (issue 11); the new gap opened a new one.
    first = next(a for a in both if a["id"] == alert["id"])
    assert (first["status"], first["resolution_reason"], first["resolved_by"]) == (
        "resolved", "reading_received", "platform")
    assert second["status"] == "raised"


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
    """The deadline falls due while ecovid-monitor is down; the restarted service records the missed
    report from its deadlines table (the timeline shows when: after the restart, for a deadline before it).
    Break: due_episodes ignores deadlines that fell due before the process started -> the wait
    for the alert times out."""
    doctor, structure_id = team
    patient = doctor.patient("Redémarrage")
    opened_by = datetime.now(UTC)
    doctor.episode(patient, structure_id)
    fast_stack.kill("ecovid-monitor")
    killed_at = datetime.now(UTC)
    fall_due_by = datetime.now(UTC) + INTERVAL + timedelta(seconds=0.5)
    eventually(lambda: datetime.now(UTC) > fall_due_by, timeout=10)  # the deadline's instant, service down
    restarted_at = datetime.now(UTC)
    fast_stack.restart("ecovid-monitor")
    [alert] = eventually(lambda: missed(doctor, patient), timeout=30)
    assert alert["level"] == "alert"
    [report] = eventually(lambda: doctor.ok("GET", f"/patients/{patient}/timeline",
                                            params={"kind": "ReadingOverdue"})["items"])
    due_at = datetime.fromisoformat(report["details"]["due_at"])
    assert opened_by < due_at < restarted_at, "the deadline fell due while the service was down"
    assert killed_at < due_at, "the deadline fell due before the kill: the machine was too slow for this test"
    assert datetime.fromisoformat(report["occurred_at"]) > restarted_at
