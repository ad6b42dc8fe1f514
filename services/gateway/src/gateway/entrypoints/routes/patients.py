"""Patients: register, search, read the dossier, the care circle, enrol in a care episode."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from ecovid_api.access import EmergencyAccess, EmergencyAccessIn, EmergencyCommand
from ecovid_api.care_circle import Member, MemberIn
from ecovid_api.common import Created
from ecovid_api.identity import IdentityIn, PatientSearch
from ecovid_api.monitoring import EpisodeIn
from ecovid_api.record_views import Dossier, PatientMatch

from gateway.audit import Access
from gateway.clients import UpstreamError
from gateway.entrypoints.answers import DuplicateIdentity, answers
from gateway.entrypoints.deps import CorrelationId, CurrentUser, GatewayDep, Professional

router = APIRouter(prefix="/api/v1/patients", tags=["patients"])


@router.post("", **answers(Created, 201, conflict=DuplicateIdentity))
async def register(
    body: IdentityIn, request: Request, user: Professional, gw: GatewayDep, cid: CorrelationId,
    confirm_homonym: bool = False,
) -> Any:
    # A match answers 409 with `existing_id`; confirm_homonym=true registers a homonym anyway.
    created = await gw.services.dossier.call(
        "POST", "/patients", content=await request.body(), params={"confirm_homonym": str(confirm_homonym).lower()},
        principal=user, correlation_id=cid,
    )
    # The creator joins the circle now, so they can open the dossier at once; care-circle
    # also does it from PatientRegistered, idempotently, should this call fail.
    await gw.services.care_circle.call(
        "POST", f"/patients/{created['id']}/members", principal=user, correlation_id=cid,
        json={"professional_id": str(user.subject_id), "role": "creator"},
    )
    return created


@router.get("", **answers(list[PatientMatch]))
async def search(
    given: Annotated[PatientSearch, Query()], user: Professional, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await gw.services.dossier.call(
        "GET", "/patients", params=given.model_dump(mode="json", exclude_none=True),
        principal=user, correlation_id=cid,
    )


@router.get("/{patient_id}", **answers(Dossier))
async def dossier(
    patient_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    await gw.check_patient_access(patient_id, user, "GET", request.url.path, cid)
    return await gw.services.dossier.call("GET", f"/patients/{patient_id}", principal=user, correlation_id=cid)


@router.get("/{patient_id}/care-circle/members", **answers(list[Member]))
async def members(
    patient_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    await gw.check_patient_access(patient_id, user, "GET", request.url.path, cid)
    return await gw.services.care_circle.call(
        "GET", f"/patients/{patient_id}/members", principal=user, correlation_id=cid
    )


@router.post("/{patient_id}/care-circle/members", **answers(Member, 201))
async def add_member(
    patient_id: uuid.UUID, body: MemberIn, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    await gw.check_patient_access(patient_id, user, "POST", request.url.path, cid)
    return await gw.services.care_circle.call(
        "POST", f"/patients/{patient_id}/members", json=body.model_dump(mode="json"), principal=user,
        correlation_id=cid,
    )


@router.post("/{patient_id}/emergency-access", **answers(EmergencyAccess, 201))
async def emergency_access(
    patient_id: uuid.UUID, body: EmergencyAccessIn, request: Request, user: Professional, gw: GatewayDep,
    cid: CorrelationId,
) -> Any:
    """Bris de glace: a professional outside the circle sees the patient for 4 hours; the
    declaration is audited and published (EmergencyAccessDeclared) for the circle to be alerted."""
    await gw.services.dossier.call("GET", f"/patients/{patient_id}", principal=user, correlation_id=cid)
    granted = await gw.services.care_circle.call(
        "POST", f"/patients/{patient_id}/emergency-access", principal=user, correlation_id=cid,
        json=EmergencyCommand(professional_id=user.subject_id, reason=body.reason).model_dump(
            mode="json", exclude_unset=True),
    )
    await gw.audit.record(Access(patient_id, "POST", request.url.path, 201, user, cid))
    return granted


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
    gw.forget_grant(patient_id, professional_id)  # before, too: a grant never outlives the removal
    await gw.services.care_circle.call(
        "DELETE", f"/patients/{patient_id}/members/{professional_id}", principal=user, correlation_id=cid
    )
    gw.forget_grant(patient_id, professional_id)
    return Response(status_code=204)


@router.post("/{patient_id}/care-episodes", **answers(Created, 201))
async def enrol(
    patient_id: uuid.UUID, body: EpisodeIn, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    await gw.check_patient_access(patient_id, user, "POST", request.url.path, cid)
    patient = await gw.services.dossier.call("GET", f"/patients/{patient_id}", principal=user, correlation_id=cid)
    try:
        await gw.services.care_circle.call(
            "GET", f"/structures/{body.structure_id}", principal=user, correlation_id=cid
        )
    except UpstreamError:
        # 404 as for every resource a request names that does not exist (a professional's
        # structure_id too): the body is well formed, a 422 would call it invalid.
        raise UpstreamError(404, {
            "detail": f"structure {body.structure_id} not found",
            "errors": [{"field": "structure_id", "message": f"structure {body.structure_id} not found"}],
        }) from None
    if str(body.structure_id) != str(user.structure_id):
        # An episode is followed by the structure that enrols it: only one the caller belongs to.
        raise UpstreamError(403, {
            "detail": "structure_id: you can only enrol in a structure you belong to",
            "errors": [{"field": "structure_id", "message": "not a structure you belong to"}],
        })
    # ecovid-monitor reads it as an EpisodeCommand: the body, the patient and their birth date.
    command = {**body.model_dump(mode="json", exclude_unset=True),
               "patient_id": str(patient_id), "birth_date": patient["identity"]["birth_date"]}
    return await gw.services.monitor.call("POST", "/episodes", json=command, principal=user, correlation_id=cid)
