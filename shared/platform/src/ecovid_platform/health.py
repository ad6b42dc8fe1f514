"""`GET /health/live` and `GET /health/ready` (and `/health`, which means ready).

Live: the process answers HTTP; nothing else is asked, so a slow database never
gets a healthy process restarted. Ready: a real request would succeed now: every
check passes (the database, the broker, the consumers in their groups; for the
gateway, every service it forwards to), each within a short timeout, run side by
side. Otherwise 503, naming each failing check and why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

Check = Callable[[], Awaitable[None]]

# Short enough for a probe every few seconds; a gateway waits a little longer than
# this for each service's own answer, so that it passes on the service's reason.
CHECK_TIMEOUT_SECONDS = 2.0


class NotReady(Exception):
    """A check's failure, in words an operator can act on."""


class Liveness(BaseModel):
    service: str
    status: str


class Readiness(BaseModel):
    """Each check's "ok" or "failing: why"; `detail` names the failing ones (503 only)."""

    service: str
    status: str
    detail: str | None = None
    checks: dict[str, str]


_READY_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": Readiness, "description": "Every check passes"},
    503: {"model": Readiness, "description": "A check fails (named in `detail` and `checks`)"},
}


def health_router(service: str, checks: dict[str, Check], *, timeout: float = CHECK_TIMEOUT_SECONDS) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health/live", response_model=Liveness)
    async def live() -> dict[str, str]:
        return {"service": service, "status": "live"}

    # Answered as it is built (JSONResponse: 200 or 503), documented by its model.
    @router.get("/health/ready", response_model=None, responses=_READY_ANSWERS)
    @router.get("/health", response_model=None, responses=_READY_ANSWERS)
    async def ready() -> JSONResponse:
        reasons = await asyncio.gather(*(_failure(check, timeout) for check in checks.values()))
        failing = {name: reason for name, reason in zip(checks, reasons, strict=True) if reason is not None}
        content: dict[str, Any] = {"service": service, "status": "not ready" if failing else "ready"}
        if failing:
            content["detail"] = "not ready: " + "; ".join(f"{name}: {reason}" for name, reason in failing.items())
        content["checks"] = {name: f"failing: {failing[name]}" if name in failing else "ok" for name in checks}
        return JSONResponse(status_code=503 if failing else 200, content=content)

    return router


async def _failure(check: Check, timeout: float) -> str | None:
    """Why the check fails, or None when it passes."""
    try:
        await asyncio.wait_for(check(), timeout=timeout)
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except Exception as error:  # noqa: BLE001 - any failure means not ready, said as it is
        return (str(error) or type(error).__name__)[:300]
    return None


def consumers_joined(broker: Any) -> Check:
    """Ready once each of the broker's consumers has joined its group and been given its
    partitions: before that, an event sent now would be seen only after the join.

    It stays ready through later rebalances (a rebalance is not an outage; the broker
    check says when the broker is gone). `broker` is a faststream KafkaBroker.
    """
    joined: set[int] = set()

    async def check() -> None:
        waiting = []
        for subscriber in broker.subscribers:
            if id(subscriber) in joined:
                continue
            consumer = subscriber.consumer
            if subscriber.running and consumer is not None and consumer.assignment():
                joined.add(id(subscriber))
            else:
                waiting.append(subscriber.group_id or "?")
        if waiting:
            raise NotReady(f"consumer groups not joined yet: {', '.join(waiting)}")

    return check
