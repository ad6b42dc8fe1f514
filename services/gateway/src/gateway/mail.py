"""Outgoing e-mail of the gateway (portal invitations): to an SMTP server when one is set
(ECOVID_SMTP_HOST), else as .eml files in the development mailbox sink (var/mailbox/),
the same sink the alert notifications use in development."""

from __future__ import annotations

import smtplib
import time
import uuid
from email.message import EmailMessage
from pathlib import Path


class Mailer:
    def __init__(self, sender: str, mailbox: Path, smtp_host: str | None = None, smtp_port: int = 25) -> None:
        self.sender, self.mailbox, self.smtp_host, self.smtp_port = sender, mailbox, smtp_host, smtp_port

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Message-ID"] = f"<{uuid.uuid4()}@ecovid>"
        message.set_content(body)
        if self.smtp_host:
            with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=10) as smtp:
                smtp.send_message(message)
            return
        self.mailbox.mkdir(parents=True, exist_ok=True)
        # Named by time first: the mailbox lists in the order sent.
        path = self.mailbox / f"{time.time_ns():020d}-{uuid.uuid4()}.eml"
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(bytes(message))
        temporary.replace(path)  # a reader never sees half a message
