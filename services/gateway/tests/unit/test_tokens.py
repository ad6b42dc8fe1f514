"""Bearer tokens: signed, expiring, and still refused once expired after a first check.

Time is an injected clock, never a sleep: PyJWT writes `exp` in whole seconds, so a
one-second token issued at x.99 s was already expired when checked (the old flaky test).
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import jwt
import pytest

from gateway.security import InvalidToken, Principal, TokenIssuer

SECRET = "a secret of at least thirty-two bytes"
DOCTOR = Principal(uuid.uuid4(), "professional", uuid.uuid4())
ADMIN = Principal(uuid.uuid4(), "admin", None)


class Clock:
    """Seconds since the epoch, moved by the test."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))  # whole seconds, as the token's `exp` is written

    def __call__(self) -> float:
        return self.now


def test_a_token_gives_back_its_principal() -> None:
    tokens = TokenIssuer(SECRET, timedelta(minutes=5))
    token = tokens.issue(DOCTOR)
    assert tokens.verify(token) == DOCTOR
    assert tokens.verify(token) == DOCTOR  # the second time from the checked claims
    admin_token = tokens.issue(ADMIN)
    assert tokens.verify(admin_token) == ADMIN
    assert ADMIN.actor_kind == "admin" and DOCTOR.actor_kind == "professional"


def test_a_token_checked_once_is_refused_after_it_expires() -> None:
    """Break: keep a checked token without its expiry (`if known is not None: return`) -> fails."""
    clock = Clock()
    tokens = TokenIssuer(SECRET, timedelta(seconds=60), clock=clock)
    token = tokens.issue(DOCTOR)
    clock.now += 59
    assert tokens.verify(token) == DOCTOR
    clock.now += 1  # the very second it expires
    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify(token)


def test_a_token_never_checked_is_refused_once_expired() -> None:
    """Break: decode without the expiry check -> fails."""
    clock = Clock()
    tokens = TokenIssuer(SECRET, timedelta(seconds=60), clock=clock)
    token = tokens.issue(DOCTOR)
    clock.now += 3600
    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify(token)


def test_an_expired_token_signed_elsewhere_with_the_right_secret_is_refused() -> None:
    """A token whose `exp` is past on the real clock (minted by hand, as an attacker would replay it)."""
    tokens = TokenIssuer(SECRET, timedelta(minutes=5))
    claims = {"sub": str(DOCTOR.subject_id), "role": "professional", "exp": int(time.time()) - 10}
    with pytest.raises(InvalidToken):
        tokens.verify(jwt.encode(claims, SECRET, algorithm="HS256"))


def test_a_token_signed_with_another_secret_or_altered_is_refused() -> None:
    tokens = TokenIssuer(SECRET, timedelta(minutes=5))
    forged = TokenIssuer("another secret of thirty-two bytes!", timedelta(minutes=5)).issue(DOCTOR)
    with pytest.raises(InvalidToken):
        tokens.verify(forged)
    claims = jwt.decode(tokens.issue(DOCTOR), options={"verify_signature": False})
    claims["role"] = "admin"
    with pytest.raises(InvalidToken):
        tokens.verify(jwt.encode(claims, "a guessed secret of thirty-two bytes!", algorithm="HS256"))


@pytest.mark.parametrize("claims", [
    {"role": "professional", "exp": 4102444800},  # no subject
    {"sub": "not a uuid", "role": "professional", "exp": 4102444800},
    {"sub": str(uuid.uuid4()), "exp": 4102444800},  # no role
    {"sub": str(uuid.uuid4()), "role": "professional"},  # no expiry
    {"sub": str(uuid.uuid4()), "role": "professional", "exp": 4102444800, "structure_id": "nope"},
], ids=["no-sub", "bad-sub", "no-role", "no-exp", "bad-structure"])
def test_a_token_with_missing_or_malformed_claims_is_refused(claims: dict[str, object]) -> None:
    tokens = TokenIssuer(SECRET, timedelta(minutes=5))
    with pytest.raises(InvalidToken):
        tokens.verify(jwt.encode(claims, SECRET, algorithm="HS256"))


def test_garbage_and_the_none_algorithm_are_refused() -> None:
    tokens = TokenIssuer(SECRET, timedelta(minutes=5))
    unsigned = jwt.encode({"sub": str(uuid.uuid4()), "role": "admin", "exp": 4102444800}, None, algorithm="none")
    for token in ("not.a.token", "", unsigned):
        with pytest.raises(InvalidToken):
            tokens.verify(token)


def test_the_verified_tokens_kept_are_bounded() -> None:
    tokens = TokenIssuer(SECRET, timedelta(minutes=5))
    tokens.VERIFIED_KEPT = 3
    issued = [tokens.issue(DOCTOR) for _ in range(5)]
    for token in issued:
        assert tokens.verify(token) == DOCTOR
    assert len(tokens._verified) <= 3
