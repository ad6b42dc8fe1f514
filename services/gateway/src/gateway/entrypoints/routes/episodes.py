"""Care episodes and their readings: the care circle's access is checked on the episode's patient."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request

from ecovid_api.monitoring import Episode, EpisodeChange, Reading, ReadingIn, ReadingRecorded, SeriesPoint
from ecovid_platform.http import JSONBytes

from gateway.entrypoints.answers import answers
from gateway.entrypoints.deps import CorrelationId, CurrentUser, GatewayDep
from gateway.security import Principal

router = APIRouter(prefix="/api/v1/care-episodes", tags=["care episodes"])


async def _forward(
    episode_id: uuid.UUID, request: Request, user: Principal, gw: Any, cid: str, with_body: bool = False
) -> Any:
    """Check the caller's right to the episode's patient, then pass the same call to ecovid-monitor
    (a body as the caller sent it, validated here by the model ecovid-monitor validates it with)."""
    patient_id = await gw.patient_of_episode(episode_id, user, cid)
    await gw.check_patient_access(patient_id, user, request.method, request.url.path, cid)
    internal_path = "/episodes" + request.url.path.removeprefix(router.prefix)
    body = await request.body() if with_body else None
    answer = await gw.services.monitor.forward(
        request.method, internal_path, content=body, principal=user, correlation_id=cid
    )
    # Passed on as it came: decoding and encoding it again would only cost time.
    return JSONBytes(answer.content, status_code=answer.status)


@router.get("/{episode_id}", **answers(Episode))
async def episode(
    episode_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await _forward(episode_id, request, user, gw, cid)


@router.patch("/{episode_id}", **answers(Episode))
async def change(
    episode_id: uuid.UUID, body: EpisodeChange, request: Request, user: CurrentUser, gw: GatewayDep,
    cid: CorrelationId,
) -> Any:
    return await _forward(episode_id, request, user, gw, cid, with_body=True)


@router.post("/{episode_id}/close", **answers(Episode))
async def close(episode_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId) -> Any:
    return await _forward(episode_id, request, user, gw, cid)


@router.post("/{episode_id}/readings", **answers(ReadingRecorded, 201))
async def record(
    episode_id: uuid.UUID, body: ReadingIn, request: Request, user: CurrentUser, gw: GatewayDep,
    cid: CorrelationId,
) -> Any:
    return await _forward(episode_id, request, user, gw, cid, with_body=True)


@router.get("/{episode_id}/readings", **answers(list[Reading]))
async def readings(
    episode_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await _forward(episode_id, request, user, gw, cid)


@router.get("/{episode_id}/readings/series", **answers(dict[str, list[SeriesPoint]]))
async def series(episode_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId) -> Any:
    """Each indicator's `{taken_at, value, level}` points in time order, for a chart."""
    return await _forward(episode_id, request, user, gw, cid)


@router.post("/{episode_id}/hospitalisation", **answers(Episode))
async def hospitalised(
    episode_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    """In hospital: no missed-report alerts until the discharge."""
    return await _forward(episode_id, request, user, gw, cid)


@router.post("/{episode_id}/discharge", **answers(Episode))
async def discharged(
    episode_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await _forward(episode_id, request, user, gw, cid)
