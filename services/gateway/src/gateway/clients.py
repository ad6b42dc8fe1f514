"""Calls from the gateway to the services' internal APIs, with the caller's identity.

A service's 4xx answer is passed on as it is (status and JSON body); a service
that is down becomes a 503, never a stack trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
import structlog

from ecovid_platform.health import NotReady
from ecovid_platform.http import CORRELATION_HEADER, SERVER_KEEP_ALIVE_SECONDS, HTTPRefusal

from gateway.security import Principal

log = structlog.get_logger(__name__)


class UpstreamError(HTTPRefusal):
    """A service's refusal (or its absence) passed on to the caller as it came."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    content: bytes

    def json(self) -> Any:
        return orjson.loads(self.content)


class ServiceClient:
    """aiohttp rather than httpx on this hop: every reading crosses it, and httpx's pool
    checks each idle connection's socket on every request (a third of the gateway's CPU)."""

    def __init__(self, name: str, base_url: str, internal_token: str) -> None:
        self.name, self.base_url = name, base_url.rstrip("/")
        self._headers = {"X-Internal-Token": internal_token}
        self._session: aiohttp.ClientSession | None = None

    async def call(
        self, method: str, path: str, *, principal: Principal | None, correlation_id: str,
        json: Any = None, params: Any = None, content: bytes | None = None,
    ) -> Any:
        answer = await self.forward(
            method, path, principal=principal, correlation_id=correlation_id, json=json, params=params,
            content=content,
        )
        return None if answer.status == 204 else answer.json()

    async def forward(
        self, method: str, path: str, *, principal: Principal | None, correlation_id: str,
        json: Any = None, params: Any = None, content: bytes | None = None,
    ) -> Answer:
        """The service's answer as it came (status and JSON bytes), for routes that pass it on.

        `content` is a JSON body passed on as the caller sent it (once the gateway validated
        it with the same model as the service): numbers and omitted fields reach the service
        exactly as given."""
        body = content if content is not None else None if json is None else orjson.dumps(json)
        headers = {"Content-Type": "application/json"} if body is not None else None
        return await self._send(method, path, principal, correlation_id, data=body, params=params, headers=headers)

    async def send_bytes(
        self, method: str, path: str, content: bytes, *, principal: Principal | None,
        correlation_id: str, params: Any = None,
    ) -> Any:
        """Forward a file's bytes as the request body; the answer is JSON."""
        answer = await self._send(
            method, path, principal, correlation_id, data=content, params=params,
            headers={"Content-Type": "application/octet-stream"},
        )
        return answer.json()

    async def fetch_bytes(self, path: str, *, principal: Principal | None, correlation_id: str) -> Answer:
        """GET a binary answer (content and headers), with the same error mapping as `call`."""
        return await self._send("GET", path, principal, correlation_id)

    async def _send(
        self, method: str, path: str, principal: Principal | None, correlation_id: str,
        headers: dict[str, str] | None = None, **request: Any,
    ) -> Answer:
        headers = {CORRELATION_HEADER: correlation_id, **(headers or {})}
        if principal is not None:
            headers["X-Actor-Kind"] = principal.actor_kind
            headers["X-Actor-Id"] = str(principal.subject_id)
        if request.get("params") is not None:
            request["params"] = _query(request["params"])
        try:
            async with self._client().request(method, self.base_url + path, headers=headers, **request) as response:
                answer = Answer(
                    response.status, {k.lower(): v for k, v in response.headers.items()}, await response.read()
                )
        except (aiohttp.ClientError, TimeoutError) as error:
            log.error("service unreachable", service=self.name, error=repr(error))
            raise UpstreamError(503, {"detail": f"{self.name} is unavailable", "errors": []}) from None
        if answer.status >= 500:
            raise UpstreamError(502, {"detail": f"{self.name} failed", "errors": []})
        if answer.status >= 400:
            raise UpstreamError(answer.status, _json(answer))
        return answer

    async def ready(self) -> None:
        """The service's own readiness (its database, the broker, its consumers): the gateway
        is ready only when every request it forwards could be served."""
        try:
            async with self._client().get(self.base_url + "/health/ready") as response:
                if response.status == 200:
                    return
                answer = Answer(response.status, {}, await response.read())
        except (aiohttp.ClientError, TimeoutError) as error:
            raise NotReady(f"unreachable at {self.base_url} ({type(error).__name__})") from None
        raise NotReady(str(_json(answer).get("detail") or f"answers {answer.status}"))

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use: a session belongs to the running event loop.
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers=self._headers, timeout=aiohttp.ClientTimeout(total=10),
                # Idle connections closed well before the service closes them (see the constant).
                connector=aiohttp.TCPConnector(limit=100, limit_per_host=100,
                                               keepalive_timeout=SERVER_KEEP_ALIVE_SECONDS / 3),
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


def _json(answer: Answer) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        body = None
    return body if isinstance(body, dict) else {"detail": answer.content[:200].decode(errors="replace"), "errors": []}


def _query(params: Any) -> list[tuple[str, str]]:
    """A mapping or (name, value) pairs, as text pairs; a list value repeats its name."""
    pairs = params.items() if isinstance(params, dict) else params
    flat = [(k, item) for k, v in pairs for item in (v if isinstance(v, (list, tuple)) else [v])]
    return [(str(k), str(v)) for k, v in flat if v is not None]
