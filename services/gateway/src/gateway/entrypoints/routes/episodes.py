"""Care episodes and their readings: the care circle's access is checked on the episode's patient."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request

from ecovid_platform.http import JSONBytes

from gateway.entrypoints.deps import CorrelationId, CurrentUser, GatewayDep
from gateway.security import Principal

router = APIRouter(prefix="/api/v1/care-episodes", tags=["care episodes"])


async def _forward(
    episode_id: uuid.UUID, request: Request, user: Principal, gw: Any, cid: str, body: Any = None
) -> Any:
    """Check the caller's right to the episode's patient, then pass the same call to ecovid-monitor."""
    patient_id = await gw.patient_of_episode(episode_id, user, cid)
    await gw.check_patient_access(patient_id, user, request.method, request.url.path, cid)
    internal_path = "/episodes" + request.url.path.removeprefix(router.prefix)
    answer = await gw.services.monitor.forward(
        request.method, internal_path, json=body, principal=user, correlation_id=cid
    )
    # Passed on as it came: decoding and encoding it again would only cost time.
    return JSONBytes(answer.content, status_code=answer.status)


@router.get("/{episode_id}")
async def episode(
    episode_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await _forward(episode_id, request, user, gw, cid)


@router.patch("/{episode_id}")
async def change(
    episode_id: uuid.UUID, body: dict[str, Any], request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await _forward(episode_id, request, user, gw, cid, body)


@router.post("/{episode_id}/close")
async def close(episode_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId) -> Any:
    return await _forward(episode_id, request, user, gw, cid)


@router.post("/{episode_id}/readings", status_code=201)
async def record(
    episode_id: uuid.UUID, body: dict[str, Any], request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await _forward(episode_id, request, user, gw, cid, body)


@router.get("/{episode_id}/readings")
async def readings(
    episode_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await _forward(episode_id, request, user, gw, cid)


@router.get("/{episode_id}/readings/series")
async def series(episode_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId) -> Any:
    """Each indicator's `{taken_at, value, level}` points in time order, for a chart."""
    return await _forward(episode_id, request, user, gw, cid)


@router.post("/{episode_id}/hospitalisation")
async def hospitalised(
    episode_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    """In hospital: no missed-report alerts until the discharge."""
    return await _forward(episode_id, request, user, gw, cid)


@router.post("/{episode_id}/discharge")
async def discharged(
    episode_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await _forward(episode_id, request, user, gw, cid)
