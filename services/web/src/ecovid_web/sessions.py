"""Server-side sessions: the browser holds only a random id in an HttpOnly cookie; the API token,
the CSRF token and the reading forms' tokens stay here, in this process's memory (a restart signs
everyone out, which a front end of short-lived API tokens can afford)."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

COOKIE = "ecovid_session"


@dataclass
class Session:
    id: str
    csrf: str
    created: float
    token: str | None = None
    refresh_token: str | None = None
    role: str | None = None
    # Reading forms handed out: form token -> the answer once posted (None while not yet).
    forms: dict[str, Any] = field(default_factory=dict)
    posting: asyncio.Lock = field(default_factory=asyncio.Lock)
    mfa_token: str | None = None
    flash: str | None = None  # the API's refusal of an action, shown once on the next page
    notice: str | None = None  # an action done, said once on the next page
    # The API's refusal of a form, shown once next to that form's field on the next page: form -> message.
    form_errors: dict[str, str] = field(default_factory=dict)
    # Patients' names already looked up for the alert inbox (its rows carry ids only).
    names: dict[str, str] = field(default_factory=dict)
    # Alerts this user just acknowledged or resolved: the state the API answered (the list lags).
    acted: dict[str, str] = field(default_factory=dict)

    @property
    def signed_in(self) -> bool:
        return self.token is not None

    def new_form(self) -> str:
        token = secrets.token_urlsafe(24)
        self.forms[token] = None
        if len(self.forms) > 200:  # a long session keeps its latest forms, not all of them
            for old in list(self.forms)[:-200]:
                del self.forms[old]
        return token


class Sessions:
    def __init__(self, lifetime_seconds: float = 8 * 3600, most: int = 20_000) -> None:
        self.lifetime = lifetime_seconds
        self.most = most  # every visit without a cookie opens one: bounded, oldest forgotten first
        self._by_id: dict[str, Session] = {}

    def new(self) -> Session:
        self._forget_stale()
        while len(self._by_id) >= self.most:
            del self._by_id[next(iter(self._by_id))]
        session = Session(id=secrets.token_urlsafe(32), csrf=secrets.token_urlsafe(32), created=time.time())
        self._by_id[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        session = self._by_id.get(session_id or "")
        if session is not None and time.time() - session.created > self.lifetime:
            self.drop(session.id)
            return None
        return session

    def drop(self, session_id: str) -> None:
        self._by_id.pop(session_id, None)

    def _forget_stale(self) -> None:
        now = time.time()
        for stale in [s.id for s in self._by_id.values() if now - s.created > self.lifetime]:
            del self._by_id[stale]
