"""The second factor: time-based one-time codes (TOTP, RFC 6238, with pyotp).

A code is checked against the current time step and the one before (a code typed as it
changes), and never accepted for a step at or before the last one used: a replayed code
is refused. The password step's answer, when a code is needed, is a short challenge
signed with a key of its own, so it can never pass for an access token.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import jwt
import pyotp

ISSUER = "e-COVID"
CHALLENGE_SECONDS = 300
STEP_SECONDS = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def accepted_step(secret: str, code: str, last_step: int, now: float | None = None) -> int | None:
    """The time step the code belongs to (now or just before), if it is new; None otherwise."""
    now = time.time() if now is None else now
    totp = pyotp.TOTP(secret)
    current = int(now // STEP_SECONDS)
    for step in (current, current - 1):
        if step > last_step and totp.at(step * STEP_SECONDS) == code.strip():
            return step
    return None


class Challenges:
    def __init__(self, secret: str, clock: Callable[[], float] = time.time) -> None:
        self._key, self._clock = secret + ":mfa-challenge", clock

    def issue(self, account_id: uuid.UUID) -> str:
        now = datetime.fromtimestamp(self._clock(), UTC)
        claims = {"sub": str(account_id), "typ": "mfa", "iat": now, "exp": now + timedelta(seconds=CHALLENGE_SECONDS)}
        return jwt.encode(claims, self._key, algorithm="HS256")

    def account(self, challenge: str) -> uuid.UUID | None:
        try:
            claims = jwt.decode(challenge, self._key, algorithms=["HS256"], options={"require": ["exp", "sub"]})
            return uuid.UUID(claims["sub"]) if claims.get("typ") == "mfa" else None
        except (jwt.PyJWTError, ValueError):
            return None
