"""Administration: structures and professionals (the directory), admin only."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter, Request, Response

from ecovid_api.care_circle import Created, ProfessionalAccountIn, StructureIn

from gateway.entrypoints.answers import answers
from gateway.entrypoints.deps import Admin, CorrelationId, GatewayDep

router = APIRouter(prefix="/api/v1", tags=["administration"])


@router.post("/structures", **answers(Created, 201))
async def create_structure(
    body: StructureIn, request: Request, user: Admin, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await gw.services.care_circle.call(
        "POST", "/structures", content=await request.body(), principal=user, correlation_id=cid
    )


@router.post("/professionals", **answers(Created, 201))
async def create_professional(body: ProfessionalAccountIn, user: Admin, gw: GatewayDep, cid: CorrelationId) -> Any:
    # The password stays here: the gateway keeps the account, care-circle the profile.
    profile = body.model_dump(mode="json", exclude={"password"}, exclude_unset=True)
    created = await gw.services.care_circle.call(
        "POST", "/professionals", json=profile, principal=user, correlation_id=cid
    )
    await asyncio.to_thread(
        gw.app.open_account, str(body.email), body.password, "professional",
        uuid.UUID(created["id"]), body.structure_id, cid,
    )
    return created


@router.post("/professionals/{professional_id}/deactivate", status_code=204)
async def deactivate(professional_id: uuid.UUID, user: Admin, gw: GatewayDep, cid: CorrelationId) -> Response:
    """The professional can no longer sign in, and every token they hold stops at once."""
    await gw.services.care_circle.call(
        "POST", f"/professionals/{professional_id}/deactivate", principal=user, correlation_id=cid
    )
    await asyncio.to_thread(gw.sessions.deactivate, professional_id)
    gw.forget_grants_of(professional_id)
    return Response(status_code=204)
