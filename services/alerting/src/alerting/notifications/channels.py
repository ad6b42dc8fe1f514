"""How a notification leaves: an email over SMTP (aiosmtplib), an SMS through a provider's
HTTP API or, in development, as a file. Each says what it was told to send, nothing more."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import aiohttp
import aiosmtplib

from alerting.settings import AlertingSettings

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class Undeliverable(Exception):
    """This notification can never be sent as it is (no address, an invalid one): not retried."""


@dataclass(frozen=True)
class Message:
    message_id: str  # the same on a resend: the receiving side can tell it is one message
    to: str
    subject: str
    body: str


class Channel(Protocol):
    async def send(self, message: Message) -> None: ...


class Email:
    def __init__(self, settings: AlertingSettings) -> None:
        self.settings = settings

    async def send(self, message: Message) -> None:
        if not EMAIL.match(message.to):
            raise Undeliverable(f"invalid email address {message.to!r}")
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.settings.mail_from, message.to, message.subject
        mail["Message-ID"] = message.message_id
        mail.set_content(message.body)
        s = self.settings
        await aiosmtplib.send(
            mail, hostname=s.smtp_host, port=s.smtp_port, username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            start_tls=s.smtp_starttls, timeout=s.smtp_timeout_seconds,
        )


class SmsOverHttp:
    """A provider's REST API: POST {to, text, reference} with a bearer token; 2xx is sent."""

    def __init__(self, url: str, token: str | None, timeout: float) -> None:
        self.url, self.token, self.timeout = url, token, timeout

    async def send(self, message: Message) -> None:
        _check_phone(message.to)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as session, \
                session.post(self.url, json={"to": message.to, "text": message.body,
                                             "reference": message.message_id}, headers=headers) as answer:
            if answer.status >= 400:
                text = (await answer.text())[:200]
                if 400 <= answer.status < 500 and answer.status != 429:
                    raise Undeliverable(f"SMS provider refused: {answer.status} {text}")
                raise OSError(f"SMS provider answered {answer.status}")


class SmsToFiles:
    """Development: each SMS a JSON file named by its message id (a resend overwrites it)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, message: Message) -> None:
        _check_phone(message.to)
        self.directory.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9.-]", "_", message.message_id.strip("<>"))
        (self.directory / f"{name}.json").write_text(json.dumps({"to": message.to, "text": message.body}))


def _check_phone(number: str) -> None:
    if not E164.match(number):
        raise Undeliverable(f"invalid phone number {number!r} (E.164 wanted, such as +33612345678)")


def sms_channel(settings: AlertingSettings) -> Channel | None:
    if settings.sms_url:
        token = settings.sms_token.get_secret_value() if settings.sms_token else None
        return SmsOverHttp(settings.sms_url, token, settings.smtp_timeout_seconds)
    if settings.sms_dir is not None:
        return SmsToFiles(settings.sms_dir)
    return None
