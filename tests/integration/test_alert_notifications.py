"""Issue 11's notifications on a stack of its own (PostgreSQL, tansu, the development SMTP
server), with a pause between each send and its record so that alerting can be SIGKILLed
there: a red reading -> one alert -> one email per recipient in the mailbox; a second red
reading sends nothing new; across the SIGKILL still one email per recipient, the resend
recorded; preferences through the gateway."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ecovid_stack.mailbox import mails
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

RECORD_DELAY = 5  # seconds between a send and its record: the SIGKILL lands there
ESCALATION_DELAY = 8  # seconds: step 1 after it, step 2 after as long again


@pytest.fixture(scope="module")
def database() -> Iterator[dict[str, str]]:
    settings = create_database()
    yield settings
    drop_database(settings)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, database: dict[str, str]) -> Iterator[Stack]:
    started = start_stack(tmp_path_factory.mktemp("mail-stack"), database,
                          ECOVID_NOTIFY_RECORD_DELAY_SECONDS=str(RECORD_DELAY), ECOVID_NOTIFY_POLL_SECONDS="0.2",
                          ECOVID_ALERT_ESCALATION_DELAY=str(ESCALATION_DELAY))
    yield started
    started.stop()


def team(stack: Stack) -> tuple[Api, str, dict[str, str]]:
    """A doctor (creates the patient, so in the circle), a nurse and a coordinator added to it."""
    admin = Api.login(stack.url("gateway"), ADMIN["username"], ADMIN["password"])
    structure = admin.structure()
    doctor_id, doctor_email = admin.professional(structure)
    nurse_id, nurse_email = admin.professional(structure)
    coordinator_id, _ = admin.professional(structure)
    doctor = Api.login(stack.url("gateway"), doctor_email, PASSWORD)
    patient = doctor.patient("Courriel")
    for professional, role in ((nurse_id, "nurse"), (coordinator_id, "coordinator")):
        doctor.ok("POST", f"/patients/{patient}/care-circle/members", 201,
                  json={"professional_id": professional, "role": role})
    return doctor, patient, {doctor_email: doctor_id, nurse_email: nurse_id, "structure": structure,
                             "coordinator": coordinator_id}


def for_alert(mailbox: Path, alert_id: str, step: int = 0) -> list[Any]:
    """The mails of one alert's escalation step (0: when it was raised)."""
    if not mailbox.exists():
        return []
    return [m for m in mails(mailbox) if alert_id in m["Message-ID"] and f".{step}@alerting" in m["Message-ID"]]


def outbox(database: dict[str, str], alert_id: str) -> list[tuple[str, bool]]:
    """(status, resent) of the alert's notifications when raised (step 0), read in the database."""
    with psycopg.connect(host=database["POSTGRES_HOST"], port=database["POSTGRES_PORT"],
                         user=database["POSTGRES_USER"], password=database["POSTGRES_PASSWORD"] or None,
                         dbname=database["POSTGRES_DBNAME"]) as connection:
        return [(status, resent) for status, resent in connection.execute(
            "SELECT status, resent FROM alerting.notifications WHERE alert_id = %s AND step = 0"
            " ORDER BY recipient_id", (alert_id,))]


def test_one_email_per_recipient_also_across_a_sigkill_between_send_and_record(
    stack: Stack, database: dict[str, str],
) -> None:
    """Break: `recover` leaves `sending` rows alone -> after the restart nothing is recorded sent, fails;
    break: the mailbox names files by arrival instead of Message-ID -> the resend is a second mail, fails;
    break: the planner plans AlertUpdated too (a second red reading) -> a second mail, fails."""
    doctor, patient, people = team(stack)
    episode = doctor.episode(patient, people["structure"])
    doctor.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(2), **ALARMING})
    [alert] = eventually(lambda: doctor.alerts(patient), timeout=60)
    # The doctor and the nurse are told (the default policy: no coordinator for a threshold alert).
    sent = eventually(lambda: len(for_alert(stack.mailbox, alert["id"])) == 2
                      and for_alert(stack.mailbox, alert["id"]), timeout=60)
    stack.kill("alerting")  # within RECORD_DELAY of the send: recorded as `sending` only
    assert {s for s, _ in outbox(database, alert["id"])} == {"sending"}, "the kill did not land between send and record"
    stack.restart("alerting")
    assert eventually(lambda: (rows := outbox(database, alert["id"])) and all(s == "sent" for s, _ in rows)
                      and rows, timeout=60) == [("sent", True), ("sent", True)]
    after = for_alert(stack.mailbox, alert["id"])
    assert sorted(m["To"] for m in after) == sorted(e for e in people if "@" in e)
    assert len(after) == len(sent) == 2
    for mail in after:
        assert mail["Subject"] == "e-COVID: an alert needs your attention"
        assert f"/alerts/{alert['id']}" in mail.get_content()
    # The resend is visible where it landed: each Message-ID delivered twice.
    deliveries = (stack.mailbox / "deliveries.log").read_text().splitlines()
    assert sum(alert["id"] in line and ".email.0@" in line for line in deliveries) == 4

    doctor.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(1), **ALARMING})
    eventually(lambda: doctor.alerts(patient)[0]["occurrences"] == 2, timeout=60)
    witness = doctor.patient("Témoin courriel")
    doctor.ok("POST", f"/care-episodes/{doctor.episode(witness, people['structure'])}/readings", 201,
              json={"taken_at": now_iso(1), **ALARMING})
    [other] = eventually(lambda: doctor.alerts(witness), timeout=60)
    eventually(lambda: for_alert(stack.mailbox, other["id"]), timeout=60)  # sent after the update was planned
    assert len(for_alert(stack.mailbox, alert["id"])) == 2


def test_preferences_through_the_gateway(stack: Stack) -> None:
    admin = Api.login(stack.url("gateway"), ADMIN["username"], ADMIN["password"])
    _, email = admin.professional(admin.structure())
    nurse = Api.login(stack.url("gateway"), email, PASSWORD)
    assert nurse.ok("GET", "/me/notification-preferences") == {"email": True, "sms": False, "phone": None}
    no_phone = nurse.http.put("/api/v1/me/notification-preferences", json={"sms": True})
    assert no_phone.status_code == 422 and no_phone.json()["errors"][0]["field"] == "phone"
    bad = nurse.http.put("/api/v1/me/notification-preferences", json={"sms": True, "phone": "0612"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "phone"
    wanted = {"email": False, "sms": True, "phone": "+33612345678"}
    assert nurse.ok("PUT", "/me/notification-preferences", json=wanted) == wanted
    assert nurse.ok("GET", "/me/notification-preferences") == wanted
    assert admin.http.get("/api/v1/me/notification-preferences").status_code == 403


def test_escalation_after_the_delay_across_a_restart_and_not_after_an_acknowledgement(
    stack: Stack, database: dict[str, str],
) -> None:
    """Break: the watcher not started (bootstrap's background without `watcher.run`) -> the wait for
    step 1 times out; break: `ended` keeps the deadline and `Alert.escalate` ignores the status ->
    the acknowledged alert escalates, fails."""
    doctor, patient, people = team(stack)
    episode = doctor.episode(patient, people["structure"])
    doctor.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(2), **ALARMING})
    [alert] = eventually(lambda: doctor.alerts(patient), timeout=60)
    calm = doctor.patient("Acquitté")
    doctor.ok("POST", f"/care-episodes/{doctor.episode(calm, people['structure'])}/readings", 201,
              json={"taken_at": now_iso(2), **ALARMING})
    [acknowledged] = eventually(lambda: doctor.alerts(calm), timeout=60)
    doctor.ok("POST", f"/alerts/{acknowledged['id']}/acknowledge")
    stack.kill("alerting")  # the deadlines are in the database: they outlive the process
    stack.restart("alerting")
    first = eventually(lambda: (a := doctor.alerts(patient)[0])["escalation_step"] >= 1 and a, timeout=90)
    assert first["status"] == "escalated"
    # The coordinator is told of step 1 (no clinical values: a coordinator's role).
    [mail] = eventually(lambda: for_alert(stack.mailbox, alert["id"], step=1), timeout=60)
    assert "spo2" not in mail.get_content() and mail["Subject"] == "e-COVID: an alert (escalated) needs your attention"
    eventually(lambda: doctor.alerts(patient)[0]["escalation_step"] == 2, timeout=90)
    # By now the acknowledged alert's first deadline passed long ago: it never escalated.
    assert (doctor.alerts(calm)[0]["status"], doctor.alerts(calm)[0]["escalation_step"]) == ("acknowledged", 0)
    assert len(for_alert(stack.mailbox, alert["id"], step=1)) == 1
