"""The public gateway API, as the web uses it: every call carries the signed-in user's bearer
token; an error answer becomes an ApiError keeping the API's own message and field errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class ApiError(Exception):
    status: int
    detail: str
    errors: list[dict[str, str]] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)  # the whole answer (a 409 names the existing patient)

    def by_field(self) -> dict[str, str]:
        """The API's message for each field it names (the last segment of a dotted path)."""
        found: dict[str, str] = {}
        for error in self.errors:
            name = str(error.get("field") or "").split(".")[-1]
            if name:
                found.setdefault(name, str(error.get("message") or self.detail))
        return found


class SignedOut(Exception):
    """The API no longer accepts the session's token (expired, revoked): sign in again."""


class Gateway:
    def __init__(self, base_url: str, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.root = base_url.rstrip("/")
        self.client = httpx.AsyncClient(base_url=self.root + "/api/v1", transport=transport, timeout=15)

    async def close(self) -> None:
        await self.client.aclose()

    async def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        answer = await self.fetch(method, path, token, **kwargs)
        if answer.status_code == 204 or not answer.content:
            return None
        return answer.json()

    async def fetch(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
        """The API's answer itself (a document's bytes), once known not to be an error."""
        headers = {"authorization": f"Bearer {token}"} if token else {}
        try:
            answer = await self.client.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            raise ApiError(503, f"gateway unreachable ({type(error).__name__})") from error
        if answer.status_code == 401 and token:
            raise SignedOut()
        if answer.status_code >= 400:
            try:
                body = answer.json()
            except ValueError:
                body = {}
            detail = body.get("detail") if isinstance(body, dict) else None
            errors = body.get("errors") if isinstance(body, dict) else None
            raise ApiError(answer.status_code, str(detail or answer.reason_phrase), list(errors or []),
                           body if isinstance(body, dict) else {})
        return answer

    async def ready(self) -> bool:
        try:
            answer = await self.client.get(self.root + "/health/ready", timeout=5)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200
