"""Alerts of the caller's patients, and their acknowledgement."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Request

from ecovid_platform.paging import Limit, Offset

from gateway.entrypoints.deps import CorrelationId, CurrentUser, GatewayDep

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])


@router.get("")
async def alerts(
    request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId,
    status: Literal["raised", "acknowledged", "escalated", "resolved"] | None = None,
    patient_id: uuid.UUID | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if status:
        params["status"] = status
    if patient_id is not None:
        await gw.check_patient_access(patient_id, user, "GET", request.url.path, cid)
        params["patient_id"] = str(patient_id)
    else:
        params["recipient"] = str(user.subject_id)
    return await gw.services.alerting.call("GET", "/alerts", params=params, principal=user, correlation_id=cid)


@router.post("/{alert_id}/acknowledge")
async def acknowledge(
    alert_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    alert = await gw.services.alerting.call("GET", f"/alerts/{alert_id}", principal=user, correlation_id=cid)
    await gw.check_patient_access(uuid.UUID(alert["patient_id"]), user, "POST", request.url.path, cid)
    return await gw.services.alerting.call(
        "POST", f"/alerts/{alert_id}/acknowledge", principal=user, correlation_id=cid
    )
