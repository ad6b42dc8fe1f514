"""`POST /api/v1/auth/token`: exchange an e-mail and password for a bearer token."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, StringConstraints

from gateway.entrypoints.deps import GatewayDep

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, StringConstraints(min_length=3, max_length=254)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


@router.post("/token")
async def token(body: Credentials, gw: GatewayDep) -> dict[str, str]:
    principal = await asyncio.to_thread(gw.app.authenticate, body.username, body.password)
    if principal is None:
        raise HTTPException(401, "wrong username or password", headers={"WWW-Authenticate": "Bearer"})
    return {"access_token": gw.tokens.issue(principal), "token_type": "bearer"}
