"""Bearer tokens: signed, expiring, and still refused once expired after a first check."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import jwt
import pytest

from gateway.security import InvalidToken, Principal, TokenIssuer

SECRET = "a secret of at least thirty-two bytes"
DOCTOR = Principal(uuid.uuid4(), "professional", uuid.uuid4())


def test_a_token_gives_back_its_principal() -> None:
    tokens = TokenIssuer(SECRET, timedelta(minutes=5))
    token = tokens.issue(DOCTOR)
    assert tokens.verify(token) == DOCTOR
    assert tokens.verify(token) == DOCTOR  # the second time from the checked claims


def test_a_token_checked_once_is_refused_after_it_expires() -> None:
    tokens = TokenIssuer(SECRET, timedelta(seconds=1))
    token = tokens.issue(DOCTOR)
    assert tokens.verify(token) == DOCTOR
    time.sleep(1.2)  # the expiry itself is what is tested: a real second has to pass
    with pytest.raises(InvalidToken):
        tokens.verify(token)


def test_a_token_signed_with_another_secret_or_altered_is_refused() -> None:
    tokens = TokenIssuer(SECRET, timedelta(minutes=5))
    forged = TokenIssuer("another secret of thirty-two bytes!", timedelta(minutes=5)).issue(DOCTOR)
    with pytest.raises(InvalidToken):
        tokens.verify(forged)
    claims = jwt.decode(tokens.issue(DOCTOR), options={"verify_signature": False})
    claims["role"] = "admin"
    with pytest.raises(InvalidToken):
        tokens.verify(jwt.encode(claims, "guess", algorithm="HS256"))
