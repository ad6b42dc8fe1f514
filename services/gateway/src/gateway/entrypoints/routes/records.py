"""The patient's coordination record: identity corrections, clinical context, notes,
objectives, summary and timeline; every route checks the care circle first."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Query, Request

from ecovid_platform.paging import Limit, Offset

from gateway.entrypoints.deps import CorrelationId, CurrentUser, GatewayDep

router = APIRouter(prefix="/api/v1/patients/{patient_id}", tags=["coordination record"])
SECTIONS = ("risk-factors", "medical-history", "allergies", "treatments")


async def _forward(patient_id: uuid.UUID, request: Request, user: Any, gw: Any, cid: str, json: Any = None) -> Any:
    """Check the caller's access, then pass the call to the dossier as it came."""
    await gw.check_patient_access(patient_id, user, request.method, request.url.path, cid)
    path = request.url.path.removeprefix("/api/v1")
    # A list (repeated `kind`) must stay a list: multi_items keeps every value.
    params = list(request.query_params.multi_items())
    return await gw.services.dossier.call(
        request.method, path, json=json, params=params, principal=user, correlation_id=cid
    )


@router.patch("/identity")
async def correct_identity(
    patient_id: uuid.UUID, body: dict[str, Any], request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await _forward(patient_id, request, user, gw, cid, body)


@router.get("/identity/history")
async def identity_history(
    patient_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await _forward(patient_id, request, user, gw, cid)


async def _read(patient_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId) -> Any:
    return await _forward(patient_id, request, user, gw, cid)


async def _replace(
    patient_id: uuid.UUID, body: dict[str, Any], request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await _forward(patient_id, request, user, gw, cid, body)


# Explicit paths, never "/{section}": a catch-all would shadow other services' patient routes.
for _section in SECTIONS:
    router.add_api_route(f"/{_section}", _replace, methods=["PUT"], name=f"replace {_section}",
                         summary=f"Replace the {_section} section whole")
for _view in (*SECTIONS, "notes", "objectives", "summary"):
    router.add_api_route(f"/{_view}", _read, methods=["GET"], name=f"read {_view}", summary=f"Read {_view}")


@router.get("/timeline")
async def timeline(
    patient_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId,
    kind: list[str] | None = Query(None, description="event types to keep, repeated"),  # noqa: B008
    since: str | None = Query(None, alias="from"),
    until: str | None = Query(None, alias="to"),
    limit: Limit = 100, offset: Offset = 0,
) -> Any:
    """Everything that happened to the patient, in order; the dossier validates the filters."""
    return await _forward(patient_id, request, user, gw, cid)


@router.post("/notes", status_code=201)
async def share_note(
    patient_id: uuid.UUID, body: dict[str, Any], request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await _forward(patient_id, request, user, gw, cid, body)


@router.post("/objectives", status_code=201)
async def set_objective(
    patient_id: uuid.UUID, body: dict[str, Any], request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await _forward(patient_id, request, user, gw, cid, body)


@router.patch("/objectives/{objective_id}")
async def change_objective(
    patient_id: uuid.UUID,
    objective_id: uuid.UUID,
    body: dict[str, Any],
    request: Request,
    user: CurrentUser,
    gw: GatewayDep,
    cid: CorrelationId,
) -> Any:
    return await _forward(patient_id, request, user, gw, cid, body)
