"""Sessions beyond one access token: refresh tokens, logout, deactivated accounts, and the
throttling of failed sign-ins.

Revocations are written to the gateway's database (they outlive a restart) and kept in
memory, where every request checks them: a deactivated professional's or a logged-out
token stops at once on this replica (another replica reads them at its start).
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from ecovid_platform.storage import Storage
from ecovid_platform.tables import UTCDateTime

metadata = sa.MetaData()

refresh_tokens = sa.Table(
    "gateway_refresh_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),  # SHA-256: the token is random
    sa.Column("subject_id", sa.Uuid, nullable=False, index=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("structure_id", sa.Uuid),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False, default=False),
)

revocations = sa.Table(
    "gateway_revocations",
    metadata,
    sa.Column("kind", sa.String(10), primary_key=True),  # "subject" (deactivated) or "token" (jti)
    sa.Column("value", sa.String(64), primary_key=True),
    sa.Column("revoked_at", UTCDateTime, nullable=False),
)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Refreshed:
    subject_id: uuid.UUID
    role: str
    structure_id: uuid.UUID | None


class Sessions:
    def __init__(self, storage: Storage, refresh_ttl: timedelta) -> None:
        self.storage, self.refresh_ttl = storage, refresh_ttl
        self.subjects: set[str] = set()
        self.tokens: set[str] = set()
        with storage.transaction() as session:
            for kind, value in session.execute(sa.select(revocations.c.kind, revocations.c.value)):
                (self.subjects if kind == "subject" else self.tokens).add(value)

    def is_revoked(self, subject_id: uuid.UUID, token_id: str | None) -> bool:
        return str(subject_id) in self.subjects or (token_id is not None and token_id in self.tokens)

    def open(self, subject_id: uuid.UUID, role: str, structure_id: uuid.UUID | None) -> str:
        token = secrets.token_urlsafe(32)
        with self.storage.transaction() as session:
            session.execute(refresh_tokens.insert().values(
                token_hash=_digest(token), subject_id=subject_id, role=role, structure_id=structure_id,
                expires_at=datetime.now(UTC) + self.refresh_ttl, revoked=False,
            ))
        return token

    def use(self, token: str) -> Refreshed | None:
        """The refresh token's owner, once: it is revoked as it is used (rotation)."""
        t = refresh_tokens.c
        with self.storage.transaction() as session:
            row = session.execute(
                refresh_tokens.update().where(t.token_hash == _digest(token), t.revoked.is_(False))
                .values(revoked=True).returning(t.subject_id, t.role, t.structure_id, t.expires_at)
            ).first()
        if row is None or row.expires_at <= datetime.now(UTC) or str(row.subject_id) in self.subjects:
            return None
        return Refreshed(row.subject_id, row.role, row.structure_id)

    def logout(self, token_id: str | None, refresh_token: str | None) -> None:
        with self.storage.transaction() as session:
            if refresh_token:
                session.execute(refresh_tokens.update().where(refresh_tokens.c.token_hash == _digest(refresh_token))
                                .values(revoked=True))
            if token_id:
                self._revoke(session, "token", token_id)
        if token_id:
            self.tokens.add(token_id)

    def deactivate(self, subject_id: uuid.UUID) -> None:
        with self.storage.transaction() as session:
            self._revoke(session, "subject", str(subject_id))
            session.execute(refresh_tokens.update().where(refresh_tokens.c.subject_id == subject_id)
                            .values(revoked=True))
        self.subjects.add(str(subject_id))

    @staticmethod
    def _revoke(session: sa.orm.Session, kind: str, value: str) -> None:
        exists = session.execute(sa.select(revocations.c.value).where(
            revocations.c.kind == kind, revocations.c.value == value)).first()
        if exists is None:
            session.execute(revocations.insert().values(kind=kind, value=value, revoked_at=datetime.now(UTC)))


@dataclass
class LoginThrottle:
    """Failed sign-ins counted per account (the name typed, known or not) and per address
    over a window; past the limit, sign-in is refused with 429 until the oldest failure ages out."""

    per_account: int = 5
    per_address: int = 20
    window_seconds: float = 15 * 60
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def retry_after(self, account: str, address: str) -> int:
        """Seconds to wait before trying again (0: go ahead)."""
        now = self.clock()
        waits = [self._wait(f"a:{account.strip().casefold()}", self.per_account, now),
                 self._wait(f"ip:{address}", self.per_address, now)]
        return max(waits)

    def failed(self, account: str, address: str) -> None:
        now = self.clock()
        for key in (f"a:{account.strip().casefold()}", f"ip:{address}"):
            self._failures.setdefault(key, deque()).append(now)
        if len(self._failures) > 100_000:
            self._failures.clear()  # bounded memory under a spray of names

    def succeeded(self, account: str) -> None:
        self._failures.pop(f"a:{account.strip().casefold()}", None)

    def _wait(self, key: str, limit: int, now: float) -> int:
        times = self._failures.get(key)
        if not times:
            return 0
        while times and times[0] <= now - self.window_seconds:
            times.popleft()
        if len(times) < limit:
            return 0
        return max(1, int(times[-limit] + self.window_seconds - now) + 1)
