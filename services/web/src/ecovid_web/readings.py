"""The reading form: its fields (the seed's indicators), turning what was typed into the API's
body, and posting it once per form however often it is submitted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ecovid_web.gateway import Gateway
from ecovid_web.rendering import LOCAL_ZONE
from ecovid_web.sessions import Session

NUMBERS = {"temperature": float, "heart_rate": int, "respiratory_rate": int, "spo2": int}
ANSWERS = ("chills", "malaise", "cough", "anosmia", "digestive_troubles", "wishes_to_stay_home")
DYSPNEA = ("none", "exertion", "rest")


def now_local() -> str:
    return datetime.now(LOCAL_ZONE).strftime("%Y-%m-%dT%H:%M")


def body_of(form: dict[str, str]) -> dict[str, Any]:
    """What the API is sent. A value that is not a number is sent as typed: the API's own 422
    then names the field, and its message is shown next to it (one set of rules, the API's)."""
    body: dict[str, Any] = {}
    typed = form.get("taken_at", "").strip()
    if typed:
        try:
            # A datetime-local field has no offset: the time is the user's, in France.
            body["taken_at"] = datetime.fromisoformat(typed).replace(tzinfo=LOCAL_ZONE).isoformat()
        except ValueError:
            body["taken_at"] = typed
    else:
        body["taken_at"] = datetime.now(UTC).isoformat()
    for name, kind in NUMBERS.items():
        text = form.get(name, "").strip().replace(",", ".")
        if text:
            try:
                body[name] = kind(text)
            except ValueError:
                body[name] = text
    if form.get("dyspnea") in DYSPNEA:
        body["dyspnea"] = form["dyspnea"]
    for name in ANSWERS:
        if form.get(name) in {"yes", "no"}:
            body[name] = form[name] == "yes"
    return body


class FormExpired(Exception):
    """A form token this session never handed out (or long forgotten)."""


async def post_once(gateway: Gateway, session: Session, form_token: str, path: str,
                    form: dict[str, str]) -> dict[str, Any]:
    """The answer of the one POST made for this form: a second submission of the same form
    (double click, back and submit again) gets the first answer and posts nothing."""
    async with session.posting:  # two clicks in flight: the second waits for the first's answer
        if form_token not in session.forms:
            raise FormExpired()
        done = session.forms[form_token]
        if done is None:
            # An ApiError leaves the form unused: corrected, it may be sent again.
            done = await gateway.call("POST", path, token=session.token, json=body_of(form))
            session.forms[form_token] = done
        return done  # type: ignore[no-any-return]
