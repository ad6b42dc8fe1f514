"""Signing in through an OpenID Connect provider instead of a password (Pro Santé Connect
for CPS and e-CPS cards, or any OIDC provider): the authorization-code flow.

The gateway asks for an authorization URL (with a state and a nonce it keeps for ten
minutes), the provider sends the browser back with a code, the gateway exchanges it
(authlib's OAuth 2 client) and checks the ID token (joserfc: signature against the
provider's published keys, issuer, audience, expiry, nonce). The claim named by
ECOVID_OIDC_ACCOUNT_CLAIM (the e-mail by default; the RPPS identifier with Pro Santé
Connect once accounts carry it) finds the account; the same token pair as a password
sign-in follows.
"""

from __future__ import annotations

import secrets
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

# authlib warns on import about its httpx module, and its `deprecate` module, when imported,
# puts an "always" filter first: imported before, so that the "ignore" below comes first.
# A start-up refusal must stay one line.
import authlib.deprecate  # noqa: F401
import httpx

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from authlib.common.errors import AuthlibBaseError as OAuthError
    from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

STATE_SECONDS = 600


class OidcRefused(Exception):
    """The provider's answer cannot be trusted or names no account: the caller gets a 401."""


@dataclass
class OidcProvider:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    account_claim: str = "email"
    scope: str = "openid email profile"
    _metadata: dict[str, Any] | None = None
    _pending: dict[str, tuple[str, float]] = field(default_factory=dict)  # state -> (nonce, until)

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            async with httpx.AsyncClient(timeout=10) as client:
                answer = await client.get(self.issuer.rstrip("/") + "/.well-known/openid-configuration")
                answer.raise_for_status()
                self._metadata = answer.json()
        return self._metadata

    async def authorization_url(self) -> str:
        meta = await self.metadata()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        now = time.monotonic()
        self._pending = {s: v for s, v in self._pending.items() if v[1] > now}
        self._pending[state] = (nonce, now + STATE_SECONDS)
        client = AsyncOAuth2Client(self.client_id, self.client_secret, scope=self.scope,
                                   redirect_uri=self.redirect_uri)
        url, _ = client.create_authorization_url(meta["authorization_endpoint"], state=state, nonce=nonce)
        return str(url)

    async def account_of(self, code: str, state: str) -> str:
        """The value of the account claim of the ID token the code is exchanged for."""
        pending = self._pending.pop(state, None)
        if pending is None or pending[1] <= time.monotonic():
            raise OidcRefused("unknown or expired state")
        meta = await self.metadata()
        try:
            async with AsyncOAuth2Client(self.client_id, self.client_secret, redirect_uri=self.redirect_uri,
                                         timeout=10) as client:
                token = await client.fetch_token(meta["token_endpoint"], code=code, grant_type="authorization_code")
            async with httpx.AsyncClient(timeout=10) as plain:  # the keys are public: no token sent
                keys = KeySet.import_key_set((await plain.get(meta["jwks_uri"])).json())
            decoded = jwt.decode(token["id_token"], keys)
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": meta.get("issuer", self.issuer)},
                aud={"essential": True, "value": self.client_id},
                exp={"essential": True},
                nonce={"essential": True, "value": pending[0]},
            ).validate(decoded.claims)
        except (JoseError, OAuthError, KeyError, ValueError, httpx.HTTPError) as error:
            raise OidcRefused(f"ID token refused ({type(error).__name__})") from None
        value = decoded.claims.get(self.account_claim)
        if not isinstance(value, str) or not value:
            raise OidcRefused(f"the ID token has no {self.account_claim}")
        return value
