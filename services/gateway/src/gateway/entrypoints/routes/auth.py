"""Sign-in (`POST /api/v1/auth/token`), refresh and logout.

A short access token comes with a refresh token (single use: each refresh gives a new
pair). Failed sign-ins are throttled per account and per address (429, Retry-After);
an unknown account and a wrong password get the same answer after the same work.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response

from ecovid_api.access import (
    AuthorizationUrl,
    ChallengeIn,
    CodeIn,
    ConfirmIn,
    Enrolled,
    LogoutIn,
    Provisioning,
    RefreshIn,
    SignedIn,
    TokenPair,
)
from ecovid_api.auth import Credentials

from gateway.application import principal_of
from gateway.context import Gateway
from gateway.domain.account import Account
from gateway.entrypoints.answers import answers
from gateway.entrypoints.deps import CorrelationId, CurrentUser, GatewayDep
from gateway.oidc import OidcProvider, OidcRefused
from gateway.security import Principal

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
me = APIRouter(prefix="/api/v1", tags=["auth"])
REFUSED = {401: "wrong username or password (the same answer for an unknown account)",
           429: "too many failed sign-ins for this account or address; see Retry-After"}


def _pair(gw: Gateway, principal: Principal) -> dict[str, str | int]:
    return {
        "access_token": gw.tokens.issue(principal), "token_type": "bearer",
        "expires_in": int(gw.tokens.ttl.total_seconds()),
        "refresh_token": gw.sessions.open(principal.subject_id, principal.role, principal.structure_id),
    }


@router.post("/token", **answers(SignedIn, refusals=REFUSED))
async def token(body: Credentials, request: Request, gw: GatewayDep) -> Any:
    address = request.client.host if request.client else "unknown"
    wait = gw.throttle.retry_after(body.username, address)
    if wait:
        raise HTTPException(429, "too many failed sign-ins: try again later", headers={"Retry-After": str(wait)})
    account = await asyncio.to_thread(gw.app.check_password, body.username, body.password)
    if account is None or gw.sessions.is_revoked(account.subject_id, None):
        gw.throttle.failed(body.username, address)
        raise HTTPException(401, "wrong username or password", headers={"WWW-Authenticate": "Bearer"})
    gw.throttle.succeeded(body.username)
    if account.totp_secret or (gw.require_mfa and account.role == "professional"):
        # The token comes only with the code: POST /api/v1/auth/mfa (after enrolling, if needed).
        return {"mfa_required": True, "mfa_token": gw.challenges.issue(account.id),
                "enrolled": bool(account.totp_secret)}
    return await asyncio.to_thread(_pair, gw, principal_of(account))


@router.post("/mfa/totp", **answers(Provisioning, refusals={401: "unknown or expired challenge",
                                                               409: "already enrolled"}))
async def enrol_at_sign_in(body: ChallengeIn, gw: GatewayDep, cid: CorrelationId) -> Any:
    """Enrolment when the second factor is required and the account has none yet: the
    provisioning URI; the first code then goes to POST /api/v1/auth/mfa."""
    account_id = gw.challenges.account(body.mfa_token)
    account = account_id and await asyncio.to_thread(gw.app.find, account_id, Account)
    if not account:
        raise HTTPException(401, "invalid or expired challenge")
    if account.totp_secret:
        raise HTTPException(409, "a second factor is already enrolled")
    return {"provisioning_uri": await asyncio.to_thread(gw.app.propose_totp, account.id, cid)}


@router.post("/mfa", **answers(TokenPair, refusals={401: "wrong, replayed or expired code or challenge",
                                                   429: "too many failures"}))
async def second_factor(body: CodeIn, request: Request, gw: GatewayDep, cid: CorrelationId) -> Any:
    address = request.client.host if request.client else "unknown"
    account_id = gw.challenges.account(body.mfa_token)
    key = f"mfa:{account_id}"
    wait = gw.throttle.retry_after(key, address)
    if wait:
        raise HTTPException(429, "too many failed codes: try again later", headers={"Retry-After": str(wait)})
    account = account_id and await asyncio.to_thread(gw.app.pass_totp, account_id, body.code, cid)
    if not account:
        gw.throttle.failed(key, address)
        raise HTTPException(401, "wrong or expired code", headers={"WWW-Authenticate": "Bearer"})
    return await asyncio.to_thread(_pair, gw, principal_of(account))


@me.post("/me/mfa/totp", **answers(Provisioning, refusals={403: "sign in again with a password first"}))
async def enrol(user: CurrentUser, gw: GatewayDep, cid: CorrelationId) -> Any:
    """A professional enrols a second factor: scan the URI, confirm with the first code."""
    if user.account_id is None:
        raise HTTPException(403, "sign in with your password to enrol a second factor")
    return {"provisioning_uri": await asyncio.to_thread(gw.app.propose_totp, user.account_id, cid)}


@me.post("/me/mfa/totp/confirm", **answers(Enrolled, refusals={401: "wrong or replayed code"}))
async def confirm(body: ConfirmIn, user: CurrentUser, gw: GatewayDep, cid: CorrelationId) -> Any:
    account = user.account_id and await asyncio.to_thread(gw.app.pass_totp, user.account_id, body.code, cid)
    if not account or not account.totp_secret:
        raise HTTPException(401, "wrong or expired code")
    return {"enrolled": True}


@router.post("/refresh", **answers(TokenPair, refusals={401: "unknown, used, expired or revoked refresh token"}))
async def refresh(body: RefreshIn, gw: GatewayDep) -> Any:
    owner = await asyncio.to_thread(gw.sessions.use, body.refresh_token)
    if owner is None:
        raise HTTPException(401, "invalid refresh token", headers={"WWW-Authenticate": "Bearer"})
    return await asyncio.to_thread(_pair, gw, Principal(owner.subject_id, owner.role, owner.structure_id))


@router.post("/logout", status_code=204)
async def logout(body: LogoutIn, user: CurrentUser, gw: GatewayDep) -> Response:
    """The access token stops at once; the refresh token given, if any, too."""
    await asyncio.to_thread(gw.sessions.logout, user.token_id, body.refresh_token)
    return Response(status_code=204)


def _provider(gw: Gateway) -> OidcProvider:
    if gw.oidc is None:
        raise HTTPException(404, "no OpenID Connect provider is set up (ECOVID_OIDC_ISSUER)")
    return gw.oidc


@router.get("/oidc/login", **answers(AuthorizationUrl, refusals={404: "no provider set up"}))
async def oidc_login(gw: GatewayDep) -> Any:
    """Where to send the browser: the provider's sign-in page (Pro Santé Connect: CPS, e-CPS)."""
    return {"authorization_url": await _provider(gw).authorization_url()}


@router.get("/oidc/callback", **answers(TokenPair, refusals={401: "refused by the provider, or no such account",
                                                             404: "no provider set up"}))
async def oidc_callback(
    code: Annotated[str, Query(min_length=1, max_length=2000)],
    state: Annotated[str, Query(min_length=1, max_length=200)],
    gw: GatewayDep,
) -> Any:
    """The provider sends the browser back here; the same token pair as a password sign-in."""
    provider = _provider(gw)
    try:
        claimed = await provider.account_of(code, state)
    except OidcRefused:
        raise HTTPException(401, "the identity provider's answer was refused") from None
    account = await asyncio.to_thread(gw.app.find, Account.create_id(claimed), Account)
    if account is None or gw.sessions.is_revoked(account.subject_id, None):
        raise HTTPException(401, "no active account for this identity")
    return await asyncio.to_thread(_pair, gw, principal_of(account))
