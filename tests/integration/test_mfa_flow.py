"""The second factor on a stack started with ECOVID_REQUIRE_MFA=true (SQLite, the real
broker): a professional's password alone gives no token; enrolment, the first code, a
replayed code refused (a fresh code after a replay: the unit tests, on a moved clock)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pyotp
import pytest

from ecovid_stack.stack import Stack

from tests.integration.support import ADMIN, PASSWORD, Api, start_stack


@pytest.fixture(scope="module")
def mfa_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = start_stack(Path(tmp_path_factory.mktemp("mfa-stack")), None, ECOVID_REQUIRE_MFA="true")
    yield stack
    stack.stop()


def test_totp_enrolment_and_sign_in(mfa_stack: Stack) -> None:
    """Break (not re-run on this stack): ECOVID_REQUIRE_MFA not read into the gateway (require_mfa left False) -> the
    password alone gives an access token, fails."""
    gateway = mfa_stack.url("gateway")
    admin = Api.login(gateway, ADMIN["username"], ADMIN["password"])
    _, email = admin.professional(admin.structure())
    first = httpx.post(f"{gateway}/api/v1/auth/token", json={"username": email, "password": PASSWORD}).json()
    assert first["mfa_required"] is True and "access_token" not in first
    uri = httpx.post(f"{gateway}/api/v1/auth/mfa/totp", json={"mfa_token": first["mfa_token"]}).json()
    totp = pyotp.TOTP(parse_qs(urlparse(uri["provisioning_uri"]).query)["secret"][0])
    code = totp.now()
    pair = httpx.post(f"{gateway}/api/v1/auth/mfa", json={"mfa_token": first["mfa_token"], "code": code})
    assert pair.status_code == 200, pair.text
    bearer = {"Authorization": f"Bearer {pair.json()['access_token']}"}
    assert httpx.get(f"{gateway}/api/v1/alerts", headers=bearer).status_code == 200

    second = httpx.post(f"{gateway}/api/v1/auth/token", json={"username": email, "password": PASSWORD}).json()
    replay = httpx.post(f"{gateway}/api/v1/auth/mfa", json={"mfa_token": second["mfa_token"], "code": code})
    assert replay.status_code == 401
