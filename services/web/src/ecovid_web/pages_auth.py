"""Sign-in (with the second factor when the API asks for it) and sign-out. A successful sign-in
replaces the session (a new id: an id seen before sign-in is worth nothing after it)."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovid_web.gateway import ApiError, SignedOut
from ecovid_web.security import local_path
from ecovid_web.sessions import Session
from ecovid_web.web import checked_form, gateway_of, go, page, session_of, sessions_of, token_role

router = APIRouter()
HOME = {"professional": "/monitoring?population=adults", "patient": "/me/reading"}


@router.get("/")
async def home(request: Request) -> Response:
    session = session_of(request)
    return go(HOME.get(session.role or "", "/login") if session.signed_in else "/login")


@router.get("/login")
async def login_form(request: Request, next: str = "/", expired: str | None = None) -> Response:
    return page(request, "login.html", next=local_path(next), expired=bool(expired), errors={}, username="")


@router.post("/login")
async def login(request: Request) -> Response:
    form = await checked_form(request)
    target = local_path(form.get("next"))
    username = form.get("username", "")
    try:
        answer = await gateway_of(request).call(
            "POST", "/auth/token", json={"username": username, "password": form.get("password", "")})
    except ApiError as error:
        key = {401: "login.refused", 429: "login.throttled"}.get(error.status)
        errors = error.by_field() if error.status == 422 else {}
        return page(request, "login.html", status=error.status, next=target, expired=False, username=username,
                    errors=errors, message=key)
    if answer.get("mfa_required"):
        session_of(request).mfa_token = answer.get("mfa_token")
        return page(request, "mfa.html", next=target, enrolled=bool(answer.get("enrolled")), error=None)
    return _signed_in(request, answer, target)


@router.post("/login/mfa")
async def second_factor(request: Request) -> Response:
    form = await checked_form(request)
    target = local_path(form.get("next"))
    session = session_of(request)
    try:
        answer = await gateway_of(request).call(
            "POST", "/auth/mfa", json={"mfa_token": session.mfa_token or "", "code": form.get("code", "")})
    except ApiError as error:
        message = error.by_field().get("code") or "mfa.refused"
        return page(request, "mfa.html", status=error.status, next=target, enrolled=True, error=message)
    return _signed_in(request, answer, target)


def _signed_in(request: Request, answer: dict[str, object], target: str) -> Response:
    sessions = sessions_of(request)
    sessions.drop(session_of(request).id)
    session: Session = sessions.new()
    session.token = str(answer["access_token"])
    session.refresh_token = str(answer.get("refresh_token") or "") or None
    session.role = token_role(session.token)
    request.state.session = session
    return go(target if target != "/" else HOME.get(session.role or "", "/"))


@router.post("/logout")
async def logout(request: Request) -> Response:
    await checked_form(request)
    session = session_of(request)
    if session.token:
        body = {"refresh_token": session.refresh_token} if session.refresh_token else {}
        # Signing out of the web must not depend on the API's answer (an expired token, a 503).
        with contextlib.suppress(ApiError, SignedOut):
            await gateway_of(request).call("POST", "/auth/logout", token=session.token, json=body)
    sessions_of(request).drop(session.id)
    request.state.session = sessions_of(request).new()
    return go("/login")
