"""FastAPI dependencies of the public API: the gateway context, the caller, the correlation id.

`async def` although none of them waits: FastAPI runs a plain `def` dependency in its
thread pool, a thread hop per dependency per request.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.context import Gateway
from gateway.security import InvalidToken, Principal

_bearer = HTTPBearer(auto_error=False)


async def gateway(request: Request) -> Gateway:
    return request.app.state.gateway  # type: ignore[no-any-return]


async def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    gw = request.app.state.gateway
    try:
        found: Principal = gw.tokens.verify(credentials.credentials)
    except InvalidToken:
        raise HTTPException(
            401, "invalid or expired token", headers={"WWW-Authenticate": "Bearer"}
        ) from None
    # Logged out, or the account deactivated since the token was issued: refused at once.
    if gw.sessions.is_revoked(found.subject_id, found.token_id):
        raise HTTPException(401, "invalid or expired token", headers={"WWW-Authenticate": "Bearer"})
    return found


async def admin(user: Annotated[Principal, Depends(principal)]) -> Principal:
    if user.role != "admin":
        raise HTTPException(403, "this needs an administrator")
    return user


async def professional(user: Annotated[Principal, Depends(principal)]) -> Principal:
    if user.role != "professional":
        raise HTTPException(403, "this needs a professional account")
    return user


async def correlation_id(request: Request) -> str:
    return str(request.state.correlation_id)


GatewayDep = Annotated[Gateway, Depends(gateway)]
CurrentUser = Annotated[Principal, Depends(principal)]
Admin = Annotated[Principal, Depends(admin)]
Professional = Annotated[Principal, Depends(professional)]
CorrelationId = Annotated[str, Depends(correlation_id)]
