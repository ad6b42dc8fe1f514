"""The audit trail people can read: an auditor searches and exports every access; a patient
reads who opened their own record."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Response

from ecovid_api.access import AccessLog, AccessPage, AuditorCreated, AuditorIn
from ecovid_platform.moments import Moment
from ecovid_platform.paging import Limit, Offset

from gateway import audit_log
from gateway.entrypoints.answers import answers
from gateway.entrypoints.deps import Admin, CorrelationId, CurrentUser, GatewayDep
from gateway.security import Principal

router = APIRouter(prefix="/api/v1", tags=["audit"])


async def auditor(user: CurrentUser) -> Principal:
    if user.role != "auditor":
        raise HTTPException(403, "this needs an auditor account")
    return user


async def patient(user: CurrentUser) -> Principal:
    if user.role != "patient":
        raise HTTPException(403, "this needs a patient account")
    return user


Auditor = Annotated[Principal, Depends(auditor)]
Patient = Annotated[Principal, Depends(patient)]


@router.post("/auditors", **answers(AuditorCreated, 201, refusals={409: "an account with this e-mail exists"}))
async def create_auditor(body: AuditorIn, user: Admin, gw: GatewayDep, cid: CorrelationId) -> Any:
    subject = uuid.uuid4()
    await asyncio.to_thread(gw.app.open_account, body.email, body.password, "auditor", subject, None, cid)
    return {"id": str(subject), "email": body.email}


@router.get("/audit/access", **answers(AccessPage, refusals={403: "not an auditor"}))
async def access_records(
    user: Auditor, gw: GatewayDep,
    patient_id: uuid.UUID | None = None,
    actor_id: Annotated[str, Query(min_length=1, max_length=100)] | None = None,
    since: Annotated[Moment | None, Query(alias="from")] = None,
    until: Annotated[Moment | None, Query(alias="to")] = None,
    format: Literal["json", "csv", "fhir"] = "json",
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    """Every access (granted or refused), oldest first; `format=csv` or `format=fhir` (a Bundle
    of FHIR R4 AuditEvent resources, IHE BALP fields)."""
    query = audit_log.AuditQuery(patient_id, actor_id, since, until, limit, offset)
    page = await asyncio.to_thread(_search, gw, query)
    if format == "csv":
        return Response(audit_log.as_csv(page["records"]), media_type="text/csv; charset=utf-8",
                         headers={"Content-Disposition": 'attachment; filename="access-log.csv"',
                                  "X-Total-Count": str(page["total"])})
    if format == "fhir":
        return Response(_json(audit_log.as_fhir_bundle(page["records"], page["total"])),
                        media_type="application/fhir+json")
    return page


@router.get("/me/access-log", **answers(AccessLog, refusals={403: "not a patient account"}))
async def my_access_log(user: Patient, gw: GatewayDep, limit: Limit = 100, offset: Offset = 0) -> Any:
    """Who opened the patient's record, when, in what role (professionals' accesses only: another
    patient's refused try would name that patient, whose account id is their patient id)."""
    query = audit_log.AuditQuery(user.subject_id, None, None, None, limit, offset, actor_kind="professional")
    page = await asyncio.to_thread(_search, gw, query)
    return {**page, "records": [
        {"recorded": r["recorded"], "actor_kind": r["actor_kind"], "actor_id": r["actor_id"],
         "method": r["method"], "route": r["route"], "granted": r["granted"]}
        for r in page["records"]]}


def _search(gw: Any, query: audit_log.AuditQuery) -> dict[str, Any]:
    with gw.storage.sessions() as session:
        return audit_log.search(session, query)


def _json(document: Any) -> bytes:
    return orjson.dumps(document)
