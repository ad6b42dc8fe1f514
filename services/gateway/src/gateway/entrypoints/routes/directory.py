"""The directory (annuaire): structures, and professionals a member may add to a circle."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query

from ecovid_api.access import ProfessionalListed, StructureListed
from ecovid_platform.paging import Limit, Offset

from gateway.entrypoints.answers import answers
from gateway.entrypoints.deps import CorrelationId, CurrentUser, GatewayDep

router = APIRouter(prefix="/api/v1", tags=["directory"])
STAFF = ("professional", "admin")


def _staff(user: Any) -> None:
    if user.role not in STAFF:
        raise HTTPException(403, "the directory is for professionals")


@router.get("/structures", **answers(list[StructureListed], refusals={403: "not a professional or an administrator"}))
async def structures(
    user: CurrentUser, gw: GatewayDep, cid: CorrelationId, limit: Limit = 100, offset: Offset = 0,
) -> Any:
    _staff(user)
    return await gw.services.care_circle.call(
        "GET", "/structures", params={"limit": limit, "offset": offset}, principal=user, correlation_id=cid
    )


@router.get("/directory/professionals",
            **answers(list[ProfessionalListed], refusals={403: "not a professional or an administrator"}))
async def professionals(
    user: CurrentUser, gw: GatewayDep, cid: CorrelationId,
    name: Annotated[str, Query(min_length=2, max_length=100)] | None = None,
    profession: Literal["doctor", "nurse", "coordinator", "other"] | None = None,
    structure_id: uuid.UUID | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    """Active professionals by name (part of it, accents and case ignored), profession, structure."""
    _staff(user)
    params = {"name": name, "profession": profession, "structure_id": structure_id, "limit": limit, "offset": offset}
    return await gw.services.care_circle.call(
        "GET", "/directory/professionals", params=params, principal=user, correlation_id=cid
    )
