"""Password hashing (Argon2id) and signed, expiring bearer tokens (JWT, HS256)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Principal:
    """Who is calling: the subject is a professional's or a patient's id."""

    subject_id: uuid.UUID
    role: str
    structure_id: uuid.UUID | None = None
    token_id: str | None = field(default=None, compare=False)  # the token's jti: what logout revokes
    account_id: uuid.UUID | None = field(default=None, compare=False)  # whose second factor to enrol

    @property
    def actor_kind(self) -> str:
        return "admin" if self.role == "admin" else self.role


class InvalidToken(Exception):
    pass


class TokenIssuer:
    # A front end sends the same token with every request: its checked claims are kept
    # (until the token expires) rather than decoded and its signature recomputed each time.
    VERIFIED_KEPT = 10_000

    def __init__(self, secret: str, ttl: timedelta, clock: Callable[[], float] = time.time) -> None:
        # One clock (seconds since the epoch) for issuing and for every expiry check,
        # so that a test moves time instead of sleeping through it.
        self._secret, self._ttl, self._clock = secret, ttl, clock
        self._verified: dict[str, tuple[Principal, float]] = {}

    @property
    def ttl(self) -> timedelta:
        return self._ttl

    def issue(self, principal: Principal) -> str:
        now = datetime.fromtimestamp(self._clock(), UTC)
        claims = {
            "sub": str(principal.subject_id),
            "role": principal.role,
            "structure_id": str(principal.structure_id) if principal.structure_id else None,
            "iat": now,
            "exp": now + self._ttl,
            "jti": str(uuid.uuid4()),
            "acc": str(principal.account_id) if principal.account_id else None,
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None and known[1] > self._clock():
            return known[0]
        principal, expires_at = self._decode(token)
        if len(self._verified) >= self.VERIFIED_KEPT:
            self._verified.clear()
        self._verified[token] = (principal, expires_at)
        return principal

    def _decode(self, token: str) -> tuple[Principal, float]:
        try:
            # The expiry is checked here, on the injected clock, not by PyJWT on its own.
            claims = jwt.decode(
                token, self._secret, algorithms=["HS256"],
                options={"require": ["exp", "sub"], "verify_exp": False},
            )
            expires_at = float(claims["exp"])
            if expires_at <= self._clock():
                raise InvalidToken("the token has expired")
            structure = claims.get("structure_id")
            return Principal(
                subject_id=uuid.UUID(claims["sub"]),
                role=claims["role"],
                structure_id=uuid.UUID(structure) if structure else None,
                token_id=claims.get("jti"),
                account_id=uuid.UUID(claims["acc"]) if claims.get("acc") else None,
            ), expires_at
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as error:
            raise InvalidToken(str(error)) from None
