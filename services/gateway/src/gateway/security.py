"""Password hashing (Argon2id) and signed, expiring bearer tokens (JWT, HS256)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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

    @property
    def actor_kind(self) -> str:
        return "admin" if self.role == "admin" else self.role


class InvalidToken(Exception):
    pass


class TokenIssuer:
    def __init__(self, secret: str, ttl: timedelta) -> None:
        self._secret, self._ttl = secret, ttl

    def issue(self, principal: Principal) -> str:
        now = datetime.now(UTC)
        claims = {
            "sub": str(principal.subject_id),
            "role": principal.role,
            "structure_id": str(principal.structure_id) if principal.structure_id else None,
            "iat": now,
            "exp": now + self._ttl,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=["HS256"], options={"require": ["exp", "sub"]}
            )
            structure = claims.get("structure_id")
            return Principal(
                subject_id=uuid.UUID(claims["sub"]),
                role=claims["role"],
                structure_id=uuid.UUID(structure) if structure else None,
            )
        except (jwt.PyJWTError, KeyError, ValueError) as error:
            raise InvalidToken(str(error)) from None
