"""Clinical rule sets: an administrator tries a candidate on past readings before installing it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from ecovid_api.monitoring import CandidateRuleSet, DryRunReport

from gateway.entrypoints.answers import answers
from gateway.entrypoints.deps import Admin, CorrelationId, GatewayDep

router = APIRouter(prefix="/api/v1/rule-sets", tags=["rule sets"])


@router.post("/dry-run", **answers(DryRunReport))
async def dry_run(body: CandidateRuleSet, request: Request, user: Admin, gw: GatewayDep, cid: CorrelationId) -> Any:
    """How many readings and patients would change colour; nothing is changed."""
    return await gw.services.monitor.call(
        "POST", "/rule-sets/dry-run", content=await request.body(), principal=user, correlation_id=cid
    )
