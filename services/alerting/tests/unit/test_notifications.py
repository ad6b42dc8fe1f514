"""The notification outbox and its sender against a real SMTP server (aiosmtpd, in process):
planned once per (alert, recipient, channel, step), sent once, retried then failed on the
alert, one recorded resend after a crash between send and record, nothing for an old alert."""

from __future__ import annotations

import asyncio
import email
import email.policy
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from alerting_events import breach

from ecovid_events.alerting import AlertRaised
from ecovid_events.ecovid import Breach
from ecovid_platform.storage import Storage

from alerting import read_models
from alerting.application import AlertingApplication
from alerting.domain.recipients import PHYSICIANS, Policies, RecipientPolicy
from alerting.integration import translate
from alerting.notifications import outbox
from alerting.notifications.channels import Message, SmsToFiles, Undeliverable
from alerting.notifications.sender import Sender
from alerting.settings import AlertingSettings

DOCTOR, COORDINATOR = uuid.uuid4(), uuid.uuid4()
HOUR = timedelta(hours=1)


class Inbox:
    def __init__(self) -> None:
        self.mails: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


class Addresses:
    def __init__(self, known: dict[uuid.UUID, str]) -> None:
        self.known = known

    async def address(self, recipient: uuid.UUID, channel: str) -> str:
        if recipient not in self.known:
            raise Undeliverable("no email address in the directory")
        return self.known[recipient]


@pytest.fixture
def smtp() -> Any:
    from ecovid_stack.ports import free_port

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def raised(app: AlertingApplication, storage: Storage, recipients: list[tuple[uuid.UUID, str]]) -> AlertRaised:
    patient = uuid.uuid4()
    app.members = lambda patient_id: recipients
    # A structure that also tells its coordinators of threshold alerts.
    app.policies = Policies(default=RecipientPolicy({"threshold": PHYSICIANS | {"coordinator"}}))
    with storage.transaction() as session:
        for professional, role in recipients:
            session.execute(read_models.circle_members.insert().values(
                patient_id=patient, professional_id=professional, role=role))
    app.save(*app.alerts_for_breach(breach("alert", [Breach(indicator="spo2", value=84, level="alert")],
                                           patient_id=patient)))
    [event] = [e for n in app.recorder.select_notifications(1, 100) for e in translate(app.mapper.to_domain_event(n))
               if isinstance(e, AlertRaised) and e.patient_id == patient]
    return event


def plan(storage: Storage, event: AlertRaised, now: datetime | None = None) -> None:
    projection = outbox.planner(HOUR, now=(lambda: now) if now else None)
    with storage.transaction() as session:
        projection.handlers["AlertRaised"].apply(session, event)


def sender(storage: Storage, app: AlertingApplication, port: int, known: dict[uuid.UUID, str],
           **settings: Any) -> Sender:
    config = AlertingSettings(smtp_port=port, notify_backoff_seconds=0.01, smtp_timeout_seconds=2, **settings)
    from alerting.notifications.channels import Email

    return Sender(storage, {"email": Email(config)}, Addresses(known), config,  # type: ignore[arg-type]
                  app.notification_failed)


def rows(storage: Storage) -> list[Any]:
    with storage.transaction() as session:
        return session.execute(sa.select(outbox.notifications)).all()


def test_one_email_per_recipient_without_health_data_in_the_subject(
    app: AlertingApplication, storage: Storage, smtp: Any
) -> None:
    """Break: the summary put in the subject -> fails; break: `plan` without its look for an existing
    row -> the replayed event is an IntegrityError, fails."""
    controller, inbox = smtp
    event = raised(app, storage, [(DOCTOR, "doctor"), (COORDINATOR, "coordinator")])
    plan(storage, event)
    plan(storage, event)  # the planner replaying: nothing more
    send = sender(storage, app, controller.port, {DOCTOR: "doc@example.org", COORDINATOR: "coord@example.org"})
    assert asyncio.run(send.send_due()) == 2
    assert asyncio.run(send.send_due()) == 0
    by_to = {m["To"]: m for m in inbox.mails}
    assert sorted(by_to) == ["coord@example.org", "doc@example.org"]
    for mail in inbox.mails:
        assert mail["Subject"] == "e-COVID: an alert needs your attention"
        assert str(event.payload.alert_id) in mail.get_content()
    assert "spo2=84" in by_to["doc@example.org"].get_content()
    assert "spo2=84" not in by_to["coord@example.org"].get_content()  # not a clinical role
    assert {r.status for r in rows(storage)} == {"sent"}


def test_an_old_alert_is_not_notified(app: AlertingApplication, storage: Storage) -> None:
    """A replay from the start of the log (a lost position) tells nobody of yesterday's alerts.
    Break: `plan` ignores max_age -> rows planned, fails."""
    event = raised(app, storage, [(DOCTOR, "doctor")])
    plan(storage, event, now=datetime.now(UTC) + 2 * HOUR)
    assert rows(storage) == []


def test_a_refusing_server_is_retried_then_failed_on_the_alert(app: AlertingApplication, storage: Storage) -> None:
    """Break: `_give_up` does not record on the alert -> failed_notifications stays 0, fails."""
    from ecovid_stack.ports import free_port

    event = raised(app, storage, [(DOCTOR, "doctor")])
    plan(storage, event)
    send = sender(storage, app, free_port(), {DOCTOR: "doc@example.org"}, notify_max_attempts=3)
    for _ in range(3):
        with storage.transaction() as session:  # due now rather than after the pause
            session.execute(outbox.notifications.update().values(next_attempt_at=datetime.now(UTC)))
        asyncio.run(send.send_due())
    [row] = rows(storage)
    assert (row.status, row.attempts) == ("failed", 3) and "SMTP" in row.last_error
    assert app.alert(event.payload.alert_id).failed_notifications == 1


def test_an_invalid_address_fails_at_once_without_a_crash(
    app: AlertingApplication, storage: Storage, smtp: Any
) -> None:
    controller, inbox = smtp
    event = raised(app, storage, [(DOCTOR, "doctor"), (COORDINATOR, "coordinator")])
    plan(storage, event)
    send = sender(storage, app, controller.port, {DOCTOR: "not an address", COORDINATOR: "coord@example.org"})
    asyncio.run(send.send_due())
    statuses = {r.recipient_id: (r.status, r.attempts) for r in rows(storage)}
    assert statuses == {DOCTOR: ("failed", 1), COORDINATOR: ("sent", 1)}
    assert [m["To"] for m in inbox.mails] == ["coord@example.org"]


def test_a_crash_between_send_and_record_resends_once_and_says_so(
    app: AlertingApplication, storage: Storage, smtp: Any
) -> None:
    """Break: `recover` marks `sending` rows sent -> nothing resent (and nothing recorded), fails;
    break: `recover` resends a row already resent -> a third send, fails."""
    controller, inbox = smtp
    event = raised(app, storage, [(DOCTOR, "doctor")])
    plan(storage, event)
    send = sender(storage, app, controller.port, {DOCTOR: "doc@example.org"})
    [claimed] = send._claim()  # claimed, then the process dies: `sending` in the database
    assert [r.status for r in rows(storage)] == ["sending"]
    assert send.recover() == 1
    asyncio.run(send.send_due())
    [row] = rows(storage)
    assert (row.status, row.resent, row.attempts) == ("sent", True, 2)
    assert len(inbox.mails) == 1 and inbox.mails[0]["Message-ID"] == (
        f"<{claimed.alert_id}.{DOCTOR}.email.0@alerting.ecovid>")
    with storage.transaction() as session:  # dies again, after its resend
        session.execute(outbox.notifications.update().values(status="sending"))
    send.recover()
    assert asyncio.run(send.send_due()) == 0 and [r.status for r in rows(storage)] == ["unknown"]


def test_sms_files_and_invalid_numbers(tmp_path: Path) -> None:
    files = SmsToFiles(tmp_path / "sms")
    asyncio.run(files.send(Message("<a.b.sms.0@alerting.ecovid>", "+33612345678", "s", "text")))
    assert [p.name for p in (tmp_path / "sms").iterdir()] == ["a.b.sms.0_alerting.ecovid.json"]
    with pytest.raises(Undeliverable, match="invalid phone number"):
        asyncio.run(files.send(Message("<x>", "0612", "s", "text")))
