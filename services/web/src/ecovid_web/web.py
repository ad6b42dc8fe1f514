"""What every page shares: the session of the request (from its cookie), the signed-in user a page
requires, the CSRF check of a form, the answers (a page, a redirect, the way back to sign-in)."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ecovid_web.catalogue import CATALOGUES, DEFAULT_LANGUAGE
from ecovid_web.gateway import ApiError, Gateway
from ecovid_web.rendering import render
from ecovid_web.security import csrf_ok
from ecovid_web.sessions import Session, Sessions


class NotSignedIn(Exception):
    """The page needs a signed-in user (of a role): back to sign-in, then to this page."""

    def __init__(self, expired: bool = False) -> None:
        self.expired = expired


class CsrfRefused(Exception):
    pass


def session_of(request: Request) -> Session:
    return request.state.session  # type: ignore[no-any-return]


def gateway_of(request: Request) -> Gateway:
    return request.app.state.gateway  # type: ignore[no-any-return]


def sessions_of(request: Request) -> Sessions:
    return request.app.state.sessions  # type: ignore[no-any-return]


def signed_in(request: Request, role: str) -> Session:
    session = session_of(request)
    if not session.signed_in:
        raise NotSignedIn()
    if session.role != role:
        raise NotSignedIn()
    return session


def token_claim(token: str, name: str) -> str | None:
    """A claim of the API's token (its role, its structure), read to choose screens and defaults
    only: the API checks the token and what it allows."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    value = claims.get(name) if isinstance(claims, dict) else None
    return str(value) if value else None


def token_role(token: str) -> str | None:
    return token_claim(token, "role")


async def checked_form(request: Request) -> dict[str, Any]:
    """The form's fields, once its CSRF token matches the session's."""
    form = await request.form()
    if not csrf_ok(session_of(request).csrf, form.get("csrf_token")):  # type: ignore[arg-type]
        raise CsrfRefused()
    return {key: value for key, value in form.items() if isinstance(value, str)}


async def checked_upload(request: Request) -> Any:
    """A multipart form (with its file), once its CSRF token matches the session's."""
    form = await request.form()
    if not csrf_ok(session_of(request).csrf, form.get("csrf_token")):  # type: ignore[arg-type]
        raise CsrfRefused()
    return form


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    env: jinja2.Environment = request.app.state.templates
    session = session_of(request)
    flash, notice, form_errors = session.flash, session.notice, session.form_errors
    if not template.startswith("_"):
        # Said once, by the next whole page: a fragment (another tab's live rows, refreshed on
        # each alert in the same session) shows none of them and must not take them away.
        session.flash, session.notice, session.form_errors = None, None, {}
    html = render(env, template, request=request, session=session, csrf=session.csrf, flash=flash, notice=notice,
                  form_errors=form_errors, **context)
    return HTMLResponse(html, status_code=status)


# What the API may answer to an action it refuses (and the user can do something about).
REFUSALS = frozenset({403, 404, 409, 422})


def keep_refusal(request: Request, error: ApiError, form: str, *keys: str) -> None:
    """An action the API refused, said on the next page in French (the text of the first of `keys`
    the catalogue has): at the top, and next to the form's field followed by the API's own message
    (the redirect lands on the form). Anything but a refusal (the API down) goes to the error page."""
    if error.status not in REFUSALS:
        raise error
    session = session_of(request)
    texts = CATALOGUES.get(request.app.state.settings.language, CATALOGUES[DEFAULT_LANGUAGE])
    french = next((texts[key] for key in keys if key in texts), None)
    said = "; ".join(dict.fromkeys(error.by_field().values())) or error.detail
    session.flash = french or said
    session.form_errors[form] = f"{french} ({said})" if french else said


def episode_of(source: Any) -> str:
    """The episode a form or query names (`episode`), if it is an id; else none."""
    try:
        return str(uuid.UUID(str(source.get("episode") or "")))
    except ValueError:
        return ""


def patient_page(patient_id: uuid.UUID, source: Any, anchor: str = "") -> str:
    """The patient's page, on the episode the form was sent from."""
    episode = episode_of(source)
    return f"/patients/{patient_id}" + (f"?episode={episode}" if episode else "") + (f"#{anchor}" if anchor else "")


def go(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def to_sign_in(request: Request, expired: bool) -> Response:
    asked = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.headers.get("hx-request"):
        # A live update's own path is a fragment: come back to the page that asked for it.
        current = urlsplit(request.headers.get("hx-current-url", "/"))
        asked = current.path + (f"?{current.query}" if current.query else "")
    target = f"/login?next={quote(asked, safe='')}" + ("&expired=1" if expired else "")
    if request.headers.get("hx-request"):
        # htmx follows HX-Redirect with a full page load (a partial must not land in the page).
        return Response(status_code=200, headers={"HX-Redirect": target})
    return go(target)
