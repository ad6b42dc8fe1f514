"""Signing in through OpenID Connect, against a mock provider served on loopback: discovery,
the authorization URL (state, nonce), the code exchange, the ID token's checks, the account
found by its e-mail claim, and the same token pair as a password sign-in."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import uvicorn
from conftest import World
from fastapi import FastAPI, Form
from joserfc import jwt
from joserfc.jwk import RSAKey

from gateway.oidc import OidcProvider

CLIENT_ID, SECRET = "ecovid-gateway", "client-secret"


class MockProvider:
    """Issues, for each code, an ID token with the claims the test chose (and the nonce it was asked for)."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.codes: dict[str, dict[str, Any]] = {}
        self.issuer = ""

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            return {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                    "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks"}

        @api.get("/jwks")
        def jwks() -> dict[str, Any]:
            return {"keys": [self.key.as_dict(private=False)]}

        @api.post("/token")
        def token(code: str = Form(), grant_type: str = Form()) -> dict[str, Any]:
            claims = self.codes.pop(code)
            id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
            return {"access_token": "at", "token_type": "Bearer", "id_token": id_token, "expires_in": 60}

        return api


@pytest.fixture(scope="module")
def provider() -> Iterator[MockProvider]:
    mock = MockProvider()
    server = uvicorn.Server(uvicorn.Config(mock.app(), host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    mock.issuer = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    yield mock
    server.should_exit = True
    thread.join(10)


def login(world: World, provider: MockProvider, **claims: Any) -> Any:
    url = world.client.get("/api/v1/auth/oidc/login").json()["authorization_url"]
    asked = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert asked["client_id"] == CLIENT_ID and asked["response_type"] == "code"
    code = uuid.uuid4().hex
    now = int(time.time())
    provider.codes[code] = {"iss": provider.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 60,
                            "sub": "rpps-10001234567", "nonce": asked["nonce"], **claims}
    return world.client.get("/api/v1/auth/oidc/callback", params={"code": code, "state": asked["state"]})


def test_an_oidc_sign_in_gives_the_account_s_token_pair(world: World, provider: MockProvider) -> None:
    """Break: OidcProvider.account_of without its nonce check -> the token with another
    nonce is accepted, fails."""
    email = f"{uuid.uuid4().hex[:8]}@example.org"
    subject = uuid.uuid4()
    world.gateway.app.open_account(email, "a long enough password", "professional", subject,
                                   uuid.UUID(world.structure), "c")
    world.gateway.oidc = OidcProvider(provider.issuer, CLIENT_ID, SECRET, "http://gateway.test/api/v1/auth/oidc/callback")
    try:
        signed_in = login(world, provider, email=email)
        assert signed_in.status_code == 200, signed_in.text
        headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        assert world.client.get("/api/v1/alerts", headers=headers).status_code == 200
        assert login(world, provider, email="nobody@example.org").status_code == 401
        assert login(world, provider, email=email, nonce="replayed").status_code == 401
        assert login(world, provider, email=email, aud="another-client").status_code == 401
        assert login(world, provider, email=email, iss="http://evil.test").status_code == 401
        assert login(world, provider, email=email, exp=int(time.time()) - 10).status_code == 401
        unknown_state = world.client.get("/api/v1/auth/oidc/callback", params={"code": "x", "state": "forged"})
        assert unknown_state.status_code == 401
    finally:
        world.gateway.oidc = None
    assert world.client.get("/api/v1/auth/oidc/login").status_code == 404
