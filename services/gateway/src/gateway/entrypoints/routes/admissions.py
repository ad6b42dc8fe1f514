"""Hospital stays left unmatched by the admissions service, and their match by hand (reconciliation).

The list shows identities as hospitals sent them, before anyone knows whose they are: an
administrator's (the platform has no coordinator role yet). A match may be made by an
administrator, or by a professional of the chosen patient's care circle.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from ecovid_api.admissions import AdmissionView, MatchBody, UnmatchedStay
from ecovid_platform.paging import Limit, Offset

from gateway.entrypoints.answers import answers
from gateway.entrypoints.deps import Admin, CorrelationId, CurrentUser, GatewayDep

router = APIRouter(prefix="/api/v1/admissions", tags=["hospital admissions"])


@router.get("/unmatched", **answers(list[UnmatchedStay]))
async def unmatched(user: Admin, gw: GatewayDep, cid: CorrelationId, limit: Limit = 100, offset: Offset = 0) -> Any:
    return await gw.services.admissions.call(
        "GET", "/admissions/unmatched", params={"limit": limit, "offset": offset}, principal=user, correlation_id=cid,
    )


@router.post("/{admission_id}/match", **answers(AdmissionView))
async def match(
    admission_id: uuid.UUID, body: MatchBody, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId,
) -> Any:
    if user.role == "patient":
        raise HTTPException(403, "this needs an administrator or a professional of the patient's circle")
    if user.role != "admin":
        await gw.check_patient_access(body.patient_id, user, "POST", request.url.path, cid)
    return await gw.services.admissions.call(
        "POST", f"/admissions/{admission_id}/match", json={"patient_id": str(body.patient_id)},
        principal=user, correlation_id=cid,
    )
