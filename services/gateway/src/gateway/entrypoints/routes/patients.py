"""Patients: register, search, read the dossier, the care circle, enrol in a care episode."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response

from gateway.clients import UpstreamError
from gateway.entrypoints.deps import CorrelationId, CurrentUser, GatewayDep, Professional

router = APIRouter(prefix="/api/v1/patients", tags=["patients"])


@router.post("", status_code=201)
async def register(
    body: dict[str, Any], user: Professional, gw: GatewayDep, cid: CorrelationId, confirm_homonym: bool = False
) -> Any:
    # A match answers 409 with `existing_id`; confirm_homonym=true registers a homonym anyway.
    created = await gw.services.dossier.call(
        "POST", "/patients", json=body, params={"confirm_homonym": str(confirm_homonym).lower()},
        principal=user, correlation_id=cid,
    )
    # The creator joins the circle now, so they can open the dossier at once; care-circle
    # also does it from PatientRegistered, idempotently, should this call fail.
    await gw.services.care_circle.call(
        "POST", f"/patients/{created['id']}/members", principal=user, correlation_id=cid,
        json={"professional_id": str(user.subject_id), "role": "creator"},
    )
    return created


@router.get("")
async def search(request: Request, user: Professional, gw: GatewayDep, cid: CorrelationId) -> Any:
    return await gw.services.dossier.call(
        "GET", "/patients", params=dict(request.query_params), principal=user, correlation_id=cid
    )


@router.get("/{patient_id}")
async def dossier(
    patient_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    await gw.check_patient_access(patient_id, user, "GET", request.url.path, cid)
    return await gw.services.dossier.call("GET", f"/patients/{patient_id}", principal=user, correlation_id=cid)


@router.get("/{patient_id}/care-circle/members")
async def members(
    patient_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    await gw.check_patient_access(patient_id, user, "GET", request.url.path, cid)
    return await gw.services.care_circle.call(
        "GET", f"/patients/{patient_id}/members", principal=user, correlation_id=cid
    )


@router.post("/{patient_id}/care-circle/members", status_code=201)
async def add_member(
    patient_id: uuid.UUID, body: dict[str, Any], request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    await gw.check_patient_access(patient_id, user, "POST", request.url.path, cid)
    return await gw.services.care_circle.call(
        "POST", f"/patients/{patient_id}/members", json=body, principal=user, correlation_id=cid
    )


@router.delete("/{patient_id}/care-circle/members/{professional_id}", status_code=204)
async def remove_member(
    patient_id: uuid.UUID,
    professional_id: uuid.UUID,
    request: Request,
    user: CurrentUser,
    gw: GatewayDep,
    cid: CorrelationId,
) -> Response:
    await gw.check_patient_access(patient_id, user, "DELETE", request.url.path, cid)
    await gw.services.care_circle.call(
        "DELETE", f"/patients/{patient_id}/members/{professional_id}", principal=user, correlation_id=cid
    )
    gw.forget_grant(patient_id, professional_id)
    return Response(status_code=204)


@router.post("/{patient_id}/care-episodes", status_code=201)
async def enrol(
    patient_id: uuid.UUID, body: dict[str, Any], request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    await gw.check_patient_access(patient_id, user, "POST", request.url.path, cid)
    patient = await gw.services.dossier.call("GET", f"/patients/{patient_id}", principal=user, correlation_id=cid)
    structure_id = body.get("structure_id")
    try:
        await gw.services.care_circle.call(
            "GET", f"/structures/{uuid.UUID(str(structure_id))}", principal=user, correlation_id=cid
        )
    except (ValueError, UpstreamError):
        raise UpstreamError(422, {
            "detail": "structure_id: no such structure",
            "errors": [{"field": "structure_id", "message": "no such structure"}],
        }) from None
    command = {**body, "patient_id": str(patient_id), "birth_date": patient["identity"]["birth_date"]}
    return await gw.services.monitor.call("POST", "/episodes", json=command, principal=user, correlation_id=cid)
