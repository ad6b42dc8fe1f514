"""Administration: structures and professionals (the directory), admin only."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, StringConstraints

from gateway.entrypoints.deps import Admin, CorrelationId, GatewayDep

router = APIRouter(prefix="/api/v1", tags=["administration"])

Password = Annotated[str, StringConstraints(min_length=12, max_length=256)]


class ProfessionalIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    email: str
    password: Password
    structure_id: uuid.UUID


@router.post("/structures", status_code=201)
async def create_structure(body: dict[str, Any], user: Admin, gw: GatewayDep, cid: CorrelationId) -> Any:
    return await gw.services.care_circle.call(
        "POST", "/structures", json=body, principal=user, correlation_id=cid
    )


@router.post("/professionals", status_code=201)
async def create_professional(body: ProfessionalIn, user: Admin, gw: GatewayDep, cid: CorrelationId) -> Any:
    profile = body.model_dump(mode="json", exclude={"password"})
    created = await gw.services.care_circle.call(
        "POST", "/professionals", json=profile, principal=user, correlation_id=cid
    )
    await asyncio.to_thread(
        gw.app.open_account, body.email, body.password, "professional",
        uuid.UUID(created["id"]), body.structure_id, cid,
    )
    return created
