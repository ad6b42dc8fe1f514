"""The second factor (TOTP) through the gateway as built: required for professionals with
ECOVID_REQUIRE_MFA, enrolment at sign-in or from a session, a replayed or wrong code refused."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from conftest import World

from gateway import mfa
from gateway.sessions import LoginThrottle

PASSWORD = "a long enough password"


@pytest.fixture
def required(world: World) -> Iterator[World]:
    world.gateway.require_mfa, world.gateway.throttle = True, LoginThrottle()
    yield world
    world.gateway.require_mfa = False


def professional(world: World) -> str:
    email = f"{uuid.uuid4().hex[:8]}@example.org"
    world.gateway.app.open_account(email, PASSWORD, "professional", uuid.uuid4(), uuid.UUID(world.structure), "c")
    return email


def secret_of(uri: str) -> str:
    return parse_qs(urlparse(uri).query)["secret"][0]


def test_with_mfa_required_the_token_comes_only_with_the_code(required: World) -> None:
    """Break: the token route answering the pair without looking at require_mfa -> an
    access token after the password alone, fails; break: accepted_step without its
    `step > last_step` -> the replayed code passes, fails."""
    world = required
    email = professional(world)
    first = world.client.post("/api/v1/auth/token", json={"username": email, "password": PASSWORD}).json()
    assert first["mfa_required"] is True and first["enrolled"] is False and "access_token" not in first
    uri = world.client.post("/api/v1/auth/mfa/totp", json={"mfa_token": first["mfa_token"]}).json()["provisioning_uri"]
    assert uri.startswith("otpauth://totp/") and "issuer=e-COVID" in uri
    totp = pyotp.TOTP(secret_of(uri))
    wrong = world.client.post("/api/v1/auth/mfa", json={"mfa_token": first["mfa_token"], "code": "000000"
                                                       if totp.now() != "000000" else "111111"})
    assert wrong.status_code == 401
    code = totp.now()
    pair = world.client.post("/api/v1/auth/mfa", json={"mfa_token": first["mfa_token"], "code": code})
    assert pair.status_code == 200 and pair.json()["access_token"]
    again = world.client.post("/api/v1/auth/token", json={"username": email, "password": PASSWORD}).json()
    assert again["enrolled"] is True
    replayed = world.client.post("/api/v1/auth/mfa", json={"mfa_token": again["mfa_token"], "code": code})
    assert replayed.status_code == 401
    forged = world.client.post("/api/v1/auth/mfa", json={"mfa_token": pair.json()["access_token"], "code": code})
    assert forged.status_code == 401  # an access token is no challenge
    # A challenge is no access token either.
    headers = {"Authorization": f"Bearer {again['mfa_token']}"}
    assert world.client.get("/api/v1/alerts", headers=headers).status_code == 401


def test_a_professional_enrols_from_a_session_and_then_needs_the_code(world: World) -> None:
    world.gateway.throttle = LoginThrottle()
    email = professional(world)
    pair = world.client.post("/api/v1/auth/token", json={"username": email, "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    uri = world.client.post("/api/v1/me/mfa/totp", headers=headers).json()["provisioning_uri"]
    confirmed = world.client.post("/api/v1/me/mfa/totp/confirm", headers=headers,
                                  json={"code": pyotp.TOTP(secret_of(uri)).now()})
    assert confirmed.json() == {"enrolled": True}
    after = world.client.post("/api/v1/auth/token", json={"username": email, "password": PASSWORD}).json()
    assert after["mfa_required"] is True and "access_token" not in after


def test_a_code_is_taken_for_its_step_or_the_one_before_and_once() -> None:
    secret = mfa.new_secret()
    totp, now = pyotp.TOTP(secret), time.time()
    step = int(now // 30)
    assert mfa.accepted_step(secret, totp.at(now), 0, now) == step
    assert mfa.accepted_step(secret, totp.at(now - 30), 0, now) == step - 1
    assert mfa.accepted_step(secret, totp.at(now - 60), 0, now) is None
    assert mfa.accepted_step(secret, totp.at(now), step, now) is None  # replayed
