"""Sends what the outbox holds, each (alert, recipient, channel, step) once.

A row is marked `sending` and committed before the provider is called, and `sent` after
it answered. A crash between the two leaves it `sending`: whether it left is unknown
(SMTP cannot be asked). It is then sent once more, with the same Message-ID, and marked
`resent`; found `sending` again after a resend, it is not sent a third time but marked
`unknown`. A provider that refuses or hangs is retried with a growing pause, then the row
is `failed` and a NotificationFailed is recorded on the alert: never dropped in silence.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import sqlalchemy as sa
import structlog

from ecovid_platform.storage import Storage

from alerting.domain.recipients import KNOWN_ROLES, NURSES, PHYSICIANS
from alerting.notifications.channels import Channel, Message, Undeliverable
from alerting.notifications.outbox import notifications, preferences_of
from alerting.settings import AlertingSettings

log = structlog.get_logger(__name__)

KIND_WORDS = {"threshold": "an alarming reading", "missed_report": "a missed report",
              "hospitalised": "a hospitalisation", "discharged": "a discharge",
              "emergency_access": "an emergency access to the record"}

# (alert, recipient, channel, step, reason) -> recorded on the alert (event-sourced).
Failed = Callable[[uuid.UUID, uuid.UUID, str, int, str], None]


class Directory:
    """Email addresses from care-circle's directory (asked at send time: an address changed
    since the alert still reaches the person); phone numbers from the preferences."""

    def __init__(self, care_circle_url: str, internal_token: str, storage: Storage) -> None:
        self.url, self.token, self.storage = care_circle_url.rstrip("/"), internal_token, storage

    async def address(self, recipient: uuid.UUID, channel: str) -> str:
        if channel == "sms":
            phone = await asyncio.to_thread(self._phone, recipient)
            if not phone:
                raise Undeliverable("no phone number in the recipient's notification preferences")
            return phone
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session, session.get(
            f"{self.url}/professionals/{recipient}", headers={"X-Internal-Token": self.token}
        ) as answer:
            if answer.status == 404:
                raise Undeliverable("the recipient is not in the directory")
            if answer.status != 200:
                raise OSError(f"care-circle answered {answer.status}")
            found = await answer.json()
        email = found.get("email")
        if not email:
            raise Undeliverable("no email address in the directory")
        return str(email)

    def _phone(self, recipient: uuid.UUID) -> str | None:
        with self.storage.transaction() as session:
            return preferences_of(session, recipient)["phone"]  # type: ignore[no-any-return]


def compose(row: Any, to: str, public_url: str) -> Message:
    """No health data in the subject (it shows on lock screens and in mail logs); the values
    only to a role that treats the patient (a known non-clinical role gets the link alone)."""
    link = f"{public_url.rstrip('/')}/alerts/{row.alert_id}"
    escalated = " (escalated)" if row.step > 0 else ""
    clinical = row.role is None or row.role in PHYSICIANS | NURSES or row.role not in KNOWN_ROLES
    what = f"{KIND_WORDS.get(row.kind, row.kind)}, level {row.level}"
    lines = [f"An alert{escalated} was raised for a patient of your care circle: {what}."]
    if clinical and row.channel == "email":
        lines.append(f"What was seen: {row.summary}")
    lines.append(f"See it and acknowledge it: {link}")
    return Message(
        message_id=f"<{row.alert_id}.{row.recipient_id}.{row.channel}.{row.step}@alerting.ecovid>",
        to=to, subject=f"e-COVID: an alert{escalated} needs your attention", body="\n".join(lines),
    )


class Sender:
    def __init__(
        self, storage: Storage, channels: dict[str, Channel], directory: Directory, settings: AlertingSettings,
        failed: Failed, batch: int = 20,
    ) -> None:
        self.storage, self.channels, self.directory, self.settings = storage, channels, directory, settings
        self.failed, self.batch = failed, batch
        self.wake = asyncio.Event()

    async def run(self) -> None:
        await asyncio.to_thread(self.recover)
        while True:
            try:
                done = await self.send_due()
            except Exception as error:  # noqa: BLE001 - the database failing: the rest goes on
                log.warning("notification sender paused", error=repr(error))
                done = 0
            if done < self.batch:
                try:
                    await asyncio.wait_for(self.wake.wait(), self.settings.notify_poll_seconds)
                except TimeoutError:
                    pass
                self.wake.clear()

    def recover(self) -> int:
        """Rows a crash left `sending`: sent once more (recorded), or `unknown` after a resend."""
        n = notifications.c
        with self.storage.transaction() as session:
            uncertain = session.execute(sa.select(notifications).where(n.status == "sending")).all()
            for row in uncertain:
                again = not row.resent
                session.execute(notifications.update().where(*_key(row)).values(
                    status="pending" if again else "unknown", resent=True, next_attempt_at=datetime.now(UTC),
                    last_error="crashed between send and record: sent once more with the same Message-ID"
                    if again else "crashed again after the resend: not sent a third time",
                ))
                log.warning("notification fate unknown after a crash", alert_id=str(row.alert_id),
                            channel=row.channel, step=row.step, resending=again)
        return len(uncertain)

    async def send_due(self) -> int:
        rows = await asyncio.to_thread(self._claim)
        await asyncio.gather(*(self._deliver(row) for row in rows))
        return len(rows)

    def _claim(self) -> list[Any]:
        n = notifications.c
        with self.storage.transaction() as session:
            rows = session.execute(sa.select(notifications).where(
                n.status == "pending", n.next_attempt_at <= datetime.now(UTC),
            ).order_by(n.next_attempt_at).limit(self.batch)).all()
            for row in rows:
                session.execute(notifications.update().where(*_key(row)).values(
                    status="sending", attempts=row.attempts + 1))
        return rows

    async def _deliver(self, row: Any) -> None:
        channel = self.channels.get(row.channel)
        try:
            if channel is None:
                raise Undeliverable(f"no {row.channel} channel is configured")
            message = compose(row, await self.directory.address(row.recipient_id, row.channel),
                              self.settings.public_url)
            await channel.send(message)
        except Undeliverable as error:
            await asyncio.to_thread(self._give_up, row, str(error))
        except Exception as error:  # noqa: BLE001 - refused, hung, unreachable: retried
            reason = f"{type(error).__name__}: {error}"[:500]
            if row.attempts + 1 >= self.settings.notify_max_attempts:
                await asyncio.to_thread(self._give_up, row, reason)
            else:
                await asyncio.to_thread(self._retry_later, row, reason)
        else:
            if self.settings.notify_record_delay_seconds:
                await asyncio.sleep(self.settings.notify_record_delay_seconds)
            await asyncio.to_thread(self._sent, row)

    def _sent(self, row: Any) -> None:
        with self.storage.transaction() as session:
            session.execute(notifications.update().where(*_key(row)).values(
                status="sent", sent_at=datetime.now(UTC)))
        log.info("notification sent", alert_id=str(row.alert_id), channel=row.channel, step=row.step,
                 resent=row.resent)

    def _retry_later(self, row: Any, reason: str) -> None:
        pause = min(self.settings.notify_backoff_seconds * 2 ** row.attempts, 600)
        with self.storage.transaction() as session:
            session.execute(notifications.update().where(*_key(row)).values(
                status="pending", last_error=reason, next_attempt_at=datetime.now(UTC) + timedelta(seconds=pause)))
        log.warning("notification failed, retried later", alert_id=str(row.alert_id), channel=row.channel,
                    attempt=row.attempts + 1, pause_seconds=pause, error=reason)

    def _give_up(self, row: Any, reason: str) -> None:
        # The alert first: should this fail, the row is still `sending` and recovered.
        self.failed(row.alert_id, row.recipient_id, row.channel, row.step, reason)
        with self.storage.transaction() as session:
            session.execute(notifications.update().where(*_key(row)).values(status="failed", last_error=reason))
        log.error("notification failed for good", alert_id=str(row.alert_id), channel=row.channel, error=reason)


def _key(row: Any) -> tuple[Any, ...]:
    n = notifications.c
    return (n.alert_id == row.alert_id, n.recipient_id == row.recipient_id, n.channel == row.channel,
            n.step == row.step)
