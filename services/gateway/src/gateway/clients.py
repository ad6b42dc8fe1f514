"""Calls from the gateway to the services' internal APIs, with the caller's identity.

A service's 4xx answer is passed on as it is (status and JSON body); a service
that is down becomes a 503, never a stack trace.
"""

from __future__ import annotations

from typing import Any

import httpx
import structlog

from ecovid_platform.http import CORRELATION_HEADER, DomainError

from gateway.security import Principal

log = structlog.get_logger(__name__)


class UpstreamError(DomainError):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(str(body.get("detail", "request refused")))
        self.status, self._body = status, body

    def body(self) -> dict[str, Any]:
        return self._body


class ServiceClient:
    def __init__(self, name: str, base_url: str, internal_token: str) -> None:
        self.name = name
        self._http = httpx.AsyncClient(
            base_url=base_url,
            headers={"X-Internal-Token": internal_token},
            timeout=httpx.Timeout(10.0),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=50),
        )

    async def call(
        self, method: str, path: str, *, principal: Principal | None, correlation_id: str,
        json: Any = None, params: Any = None,
    ) -> Any:
        response = await self._send(method, path, principal, correlation_id, json=json, params=params)
        return None if response.status_code == 204 else response.json()

    async def send_bytes(
        self, method: str, path: str, content: bytes, *, principal: Principal | None,
        correlation_id: str, params: Any = None,
    ) -> Any:
        """Forward a file's bytes as the request body; the answer is JSON."""
        response = await self._send(
            method, path, principal, correlation_id, content=content, params=params,
            headers={"Content-Type": "application/octet-stream"},
        )
        return response.json()

    async def fetch_bytes(
        self, path: str, *, principal: Principal | None, correlation_id: str,
    ) -> httpx.Response:
        """GET a binary answer (content and headers), with the same error mapping as `call`."""
        return await self._send("GET", path, principal, correlation_id)

    async def _send(
        self, method: str, path: str, principal: Principal | None, correlation_id: str,
        headers: dict[str, str] | None = None, **request: Any,
    ) -> httpx.Response:
        headers = {CORRELATION_HEADER: correlation_id, **(headers or {})}
        if principal is not None:
            headers["X-Actor-Kind"] = principal.actor_kind
            headers["X-Actor-Id"] = str(principal.subject_id)
        try:
            response = await self._http.request(method, path, headers=headers, **request)
        except httpx.HTTPError as error:
            log.error("service unreachable", service=self.name, error=repr(error))
            raise UpstreamError(503, {"detail": f"{self.name} is unavailable", "errors": []}) from None
        if response.status_code >= 500:
            raise UpstreamError(502, {"detail": f"{self.name} failed", "errors": []})
        if response.status_code >= 400:
            raise UpstreamError(response.status_code, _json(response))
        return response

    async def aclose(self) -> None:
        await self._http.aclose()


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    return body if isinstance(body, dict) else {"detail": response.text[:200], "errors": []}
