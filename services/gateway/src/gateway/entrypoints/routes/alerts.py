"""Alerts of the caller's patients and their life cycle: acknowledge, resolve."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from ecovid_api.alerts import Alert, AlertKind, AlertLevel, AlertState, AlertStatus, ResolveAlert
from ecovid_platform.http import JSONBytes
from ecovid_platform.paging import Limit, Offset

from gateway.clients import UpstreamError
from gateway.entrypoints.answers import answers
from gateway.entrypoints.deps import CorrelationId, CurrentUser, GatewayDep
from gateway.security import Principal

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])


@router.get("", **answers(list[Alert]))
async def alerts(
    request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId,
    status: AlertStatus | None = None,
    kind: AlertKind | None = None,
    level: AlertLevel | None = None,
    patient_id: uuid.UUID | None = None,
    unread: bool | None = None,
    before: Annotated[str | None, Query(max_length=64, description="X-Next-Before of the previous page")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    """The caller's alerts (those they were told of), or every alert of one of their patients,
    newest first. A full page names the next in the `X-Next-Before` header: give it as `before`."""
    params: dict[str, Any] = {"limit": limit, "offset": offset, "status": status, "kind": kind, "level": level,
                              "before": before, "reader": str(user.subject_id)}
    if unread is not None:
        params["unread"] = "true" if unread else "false"
    if patient_id is not None:
        await gw.check_patient_access(patient_id, user, "GET", request.url.path, cid)
        params["patient_id"] = str(patient_id)
    else:
        params["recipient"] = str(user.subject_id)
    answer = await gw.services.alerting.forward("GET", "/alerts", params=params, principal=user, correlation_id=cid)
    following = answer.headers.get("x-next-before")
    headers = {"X-Next-Before": following} if following else None
    if patient_id is not None or answer.status != 200:
        return JSONBytes(answer.content, status_code=answer.status, headers=headers)
    # Alerting's recipients follow the circles through Kafka: a member removed a moment ago
    # may still be one there. The circles as they are now decide what is shown.
    scope = await gw.scope(user, cid)
    shown = [alert for alert in json.loads(answer.content) if alert["patient_id"] in scope]
    await gw.audit_list(user, request.url.path, [alert["patient_id"] for alert in shown], cid)
    return JSONResponse(shown, headers=headers)


STREAM_POLL_SECONDS = 0.1
HEARTBEAT_SECONDS = 15.0


class EventStream(StreamingResponse):
    """Server-Sent Events; documented as text/event-stream, not as JSON."""

    media_type = "text/event-stream"


# Before OpenAPI 3.2 (no itemSchema), a text/event-stream schema describes one event.
STREAM_EVENT_SCHEMA = {
    "type": "object", "required": ["event", "data"],
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9]{1,18}$", "description": "resume with Last-Event-ID"},
        "event": {"type": "string", "description": "the integration event's type, such as AlertRaised"},
        "data": {"type": "string", "contentMediaType": "application/json",
                 "description": "the integration event (see the AsyncAPI document)"},
        "retry": {"type": "integer"},
    },
}


@router.get("/stream", response_class=EventStream, responses={200: {
    "content": {"text/event-stream": {"schema": STREAM_EVENT_SCHEMA}},
    "description": "Server-Sent Events: each change of an alert the caller was told of"}})
async def stream(
    request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20,
                                                pattern=r"^[0-9]{1,18}$")] = None,
) -> StreamingResponse:
    """Each new alert and state change the caller may see, as `id: <n>`, `event: <type>` and
    `data: <the integration event>`; a comment line every 15 s keeps proxies from closing it.
    Reconnecting with `Last-Event-ID` resumes after that event, missing nothing; without it,
    the stream starts now."""
    me = str(user.subject_id)

    async def page(after: int, limit: int) -> Any:
        return await gw.services.alerting.call(
            "GET", "/alerts/feed", params={"recipient": me, "after": after, "limit": limit},
            principal=user, correlation_id=cid)

    after = int(last_event_id) if last_event_id is not None else (await page(0, 0))["end"]

    async def events() -> AsyncIterator[str]:
        position, quiet = after, 0.0
        yield "retry: 2000\n\n"
        while not await request.is_disconnected():
            try:
                found = (await page(position, 200))["items"]
            except UpstreamError:
                found = []  # alerting unavailable for a moment: the client keeps its place
            for item in found:
                position = item["seq"]
                yield f"id: {position}\nevent: {item['event_type']}\ndata: {item['event']}\n\n"
            if found:
                quiet = 0.0
                continue
            if quiet >= HEARTBEAT_SECONDS:
                yield ": heartbeat\n\n"
                quiet = 0.0
            await asyncio.sleep(STREAM_POLL_SECONDS)
            quiet += STREAM_POLL_SECONDS

    return EventStream(events(), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.post("/{alert_id}/read", status_code=204)
async def read(
    alert_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> None:
    """Marks the alert read for the caller only (acknowledging it does too)."""
    await _check_access(alert_id, request, user, gw, cid)
    await gw.services.alerting.call("POST", f"/alerts/{alert_id}/read", principal=user, correlation_id=cid)


@router.post("/{alert_id}/acknowledge", **answers(AlertState))
async def acknowledge(
    alert_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    await _check_access(alert_id, request, user, gw, cid)
    return await gw.services.alerting.call(
        "POST", f"/alerts/{alert_id}/acknowledge", principal=user, correlation_id=cid
    )


@router.post("/{alert_id}/resolve", **answers(AlertState))
async def resolve(
    alert_id: uuid.UUID, body: ResolveAlert, request: Request, user: CurrentUser, gw: GatewayDep,
    cid: CorrelationId,
) -> Any:
    await _check_access(alert_id, request, user, gw, cid)
    return await gw.services.alerting.call(
        "POST", f"/alerts/{alert_id}/resolve", json=body.model_dump(), principal=user, correlation_id=cid
    )


async def _check_access(alert_id: uuid.UUID, request: Request, user: Principal, gw: Any, cid: str) -> None:
    """404 for an unknown alert, 403 when its patient is outside the caller's circle."""
    alert = await gw.services.alerting.call("GET", f"/alerts/{alert_id}", principal=user, correlation_id=cid)
    await gw.check_patient_access(uuid.UUID(alert["patient_id"]), user, "POST", request.url.path, cid)
