"""Clinical rule sets: an administrator tries a candidate on past readings before installing it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from gateway.entrypoints.deps import Admin, CorrelationId, GatewayDep

router = APIRouter(prefix="/api/v1/rule-sets", tags=["rule sets"])


class CandidateRuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule_set: str | dict[str, Any]  # the YAML (or JSON) text, or the document


@router.post("/dry-run")
async def dry_run(body: CandidateRuleSet, user: Admin, gw: GatewayDep, cid: CorrelationId) -> Any:
    """How many readings and patients would change colour; nothing is changed."""
    return await gw.services.monitor.call(
        "POST", "/rule-sets/dry-run", json=body.model_dump(), principal=user, correlation_id=cid
    )
