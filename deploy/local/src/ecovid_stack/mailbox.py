"""The development SMTP server (aiosmtpd): every mail it accepts is an .eml file in the
mailbox directory (`var/mailbox/` under `make run`).

A file is named by the mail's Message-ID, written whole then renamed: a mail sent again
with the same Message-ID (alerting's one resend after a crash between send and record)
replaces the first copy, as a mail client shows one message per Message-ID. Each
acceptance is also counted in `deliveries.log`, one line per mail, so a resend shows.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import uuid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class Mailbox:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.original_content or envelope.content
        message = email.message_from_bytes(content, policy=email.policy.default)
        message_id = str(message.get("Message-ID") or f"<{uuid.uuid4()}@mailbox>")
        name = re.sub(r"[^A-Za-z0-9.@-]", "_", message_id.strip("<> "))[:200]
        target = self.directory / f"{name}.eml"
        partial = self.directory / f".{name}.{uuid.uuid4().hex}.tmp"
        partial.write_bytes(content)
        os.replace(partial, target)
        with (self.directory / "deliveries.log").open("a") as log:
            log.write(f"{message_id} {','.join(envelope.rcpt_tos)}\n")
        return "250 Message accepted for delivery"


def start(directory: Path, port: int, host: str = "127.0.0.1") -> Controller:
    """Listening on return; `stop()` it."""
    controller = Controller(Mailbox(directory), hostname=host, port=port)
    controller.start()
    return controller


def mails(directory: Path) -> list[email.message.EmailMessage]:
    """The mails in a mailbox, oldest first (tests and the bench read them)."""
    found = sorted(directory.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in found]  # type: ignore[misc]
