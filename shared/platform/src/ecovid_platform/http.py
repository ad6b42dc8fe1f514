"""HTTP conventions shared by the services and the gateway.

Errors are JSON `{"detail": message, "errors": [{"field", "message"}]}` with the
right status, never a stack trace; every request binds a correlation id. The
refusals themselves live in `ecovid_platform.errors`, free of FastAPI: this is
where each kind gets its status.
"""

from __future__ import annotations

import hmac
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import orjson
import structlog
from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecovid_events import Actor
from ecovid_platform.bodies import unsupported_type
from ecovid_platform.errors import (
    Conflict,
    Damaged,
    DomainError,
    Forbidden,
    NotFound,
    TooLarge,
    Unprocessable,
    UnsupportedMediaType,
)

# How long a service keeps an idle keep-alive connection. A client that keeps one longer than
# the server (aiohttp's 15 s against uvicorn's default 5 s) may write a request into a socket
# the server has just closed: the gateway answered 503 "dossier is unavailable" that way
# (ClientOSError "Can not write request body", a clean-clone run). Clients keep theirs less.
SERVER_KEEP_ALIVE_SECONDS = 75

CORRELATION_HEADER = "X-Correlation-ID"
log = structlog.get_logger(__name__)


# Each refusal kind's status, said once; a subclass keeps its kind's (the first found
# along its class's method resolution order).
REFUSAL_STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    Unprocessable: 422,
    TooLarge: 413,
    UnsupportedMediaType: 415,
    Damaged: 500,
    DomainError: 409,
}


def status_of(refusal: DomainError) -> int:
    return next(REFUSAL_STATUS[kind] for kind in type(refusal).__mro__ if kind in REFUSAL_STATUS)


class HTTPRefusal(Exception):
    """A refusal already in HTTP terms, as a proxy passes on another service's answer."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(str(body.get("detail", "request refused")))
        self.status, self.body = status, body


class JSONBytes(Response):
    """A JSON answer encoded with orjson, skipping FastAPI's validate-then-encode of the
    return value: for the routes on the reading path."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else orjson.dumps(content)


def error_body(message: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"detail": message, "errors": errors or []}


def _field_of(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _describe(error: Any) -> dict[str, str]:
    if error["type"] == "json_invalid":
        return {"field": "body", "message": f"malformed JSON: {error.get('ctx', {}).get('error', error['msg'])}"}
    return {"field": _field_of(tuple(error["loc"])), "message": error["msg"]}


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route serves at this path. Starlette's 405 names only the methods
    of the first route matching the path: GET /patients and POST /patients are two routes."""
    methods: set[str] = set()
    for route in iter_route_contexts(app.router.routes):  # included routers' routes too
        regex, served = getattr(route, "path_regex", None), route.methods
        if regex is not None and served and regex.match(path):
            methods |= served
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        wrong_type = unsupported_type(request)
        if wrong_type is not None:  # the fields only looked wrong
            return JSONResponse(status_code=415, content=error_body(wrong_type))
        errors = [_describe(e) for e in exc.errors()]
        first = errors[0] if errors else {"field": "body", "message": "invalid request"}
        return JSONResponse(
            status_code=422,
            content=error_body(f"{first['field']}: {first['message']}", errors),
        )

    @app.exception_handler(DomainError)
    async def _refused(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(status_code=status_of(exc), content=exc.body())

    @app.exception_handler(HTTPRefusal)
    async def _passed_on(_: Request, exc: HTTPRefusal) -> JSONResponse:
        return JSONResponse(status_code=exc.status, content=exc.body)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(app, request.url.path))
        return JSONResponse(status_code=exc.status_code, content=error_body(str(exc.detail)), headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", error=repr(exc))
        return JSONResponse(status_code=500, content=error_body("internal error"))


def contain_failures(app: ASGIApp) -> ASGIApp:
    """The app as uvicorn should serve it: an unexpected error ends its own request only.

    Starlette answers it 500 (logged by install_error_handlers) and then raises it again,
    and uvicorn closes the connection of a request that raised. The gateway keeps its
    connections to a service alive, so the next request on that connection, another
    user's, failed as if the service were down (a 503). Swallowed here, once answered.
    """

    async def contained(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await app(scope, receive, send)
        except Exception:
            if scope["type"] != "http":
                raise

    return contained


def install_correlation(app: FastAPI, service: str) -> None:
    app.add_middleware(CorrelationMiddleware, service=service)


class CorrelationMiddleware:
    """Binds the correlation id (taken from X-Correlation-ID, or new) and logs each request.

    Plain ASGI rather than `@app.middleware("http")`: Starlette's BaseHTTPMiddleware
    runs every request through an extra task and memory streams, a measurable cost
    on the reading path.
    """

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        correlation_id = Headers(scope=scope).get(CORRELATION_HEADER) or str(uuid.uuid4())
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(correlation_id=correlation_id, service=self.service)
        scope.setdefault("state", {})["correlation_id"] = correlation_id
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[CORRELATION_HEADER] = correlation_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "request handled", method=scope["method"], path=scope["path"],
                status=status, ms=round((time.perf_counter() - started) * 1000, 1),
            )


def internal_token_guard(expected: str) -> Callable[..., Awaitable[None]]:
    """Services answer only the gateway (and operators) holding the internal token.

    The dependencies here are `async def` so FastAPI does not send each to its thread pool.
    """

    async def guard(x_internal_token: Annotated[str | None, Header()] = None) -> None:
        if x_internal_token is None or not hmac.compare_digest(x_internal_token, expected):
            raise HTTPException(status_code=401, detail="missing or wrong internal token")

    return guard


async def current_actor(
    x_actor_kind: Annotated[str, Header()] = "platform",
    x_actor_id: Annotated[str | None, Header()] = None,
) -> Actor:
    try:
        return Actor(kind=x_actor_kind, id=x_actor_id)
    except ValueError:
        raise HTTPException(status_code=400, detail="X-Actor-Kind is not a known actor kind") from None


async def correlation_id(request: Request) -> str:
    return str(request.state.correlation_id)


ActorDep = Annotated[Actor, Depends(current_actor)]
CorrelationDep = Annotated[str, Depends(correlation_id)]
