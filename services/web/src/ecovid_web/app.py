"""The web application: sessions from the cookie, security headers on every answer, the pages'
routers, and its health (ready only when the gateway it stands on answers ready)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from ecovid_web import (
    pages_auth,
    pages_circle,
    pages_clinician,
    pages_documents,
    pages_enrolment,
    pages_live,
    pages_patient,
    pages_record,
    pages_registry,
)
from ecovid_web.catalogue import translator
from ecovid_web.gateway import ApiError, Gateway, SignedOut
from ecovid_web.rendering import environment
from ecovid_web.security import HEADERS
from ecovid_web.sessions import COOKIE, Sessions
from ecovid_web.settings import Settings
from ecovid_web.web import CsrfRefused, NotSignedIn, page, session_of, to_sign_in


def create_app(settings: Settings | None = None, transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    settings = settings or Settings.from_environment()
    gateway = Gateway(settings.gateway_url, transport)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await gateway.close()

    app = FastAPI(title="e-COVID web", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.settings = settings
    app.state.gateway = gateway
    app.state.sessions = Sessions(settings.session_hours * 3600)
    app.state.templates = environment(settings.language)
    t = translator(settings.language)

    @app.middleware("http")
    async def session_and_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        sessions: Sessions = app.state.sessions
        session = sessions.get(request.cookies.get(COOKIE))
        fresh = session is None
        request.state.session = session or sessions.new()
        response = await call_next(request)
        current = session_of(request)  # sign-in and sign-out replace the session
        if fresh or current.id != request.cookies.get(COOKIE):
            response.set_cookie(COOKIE, current.id, httponly=True, samesite="strict",
                                secure=settings.secure_cookie, path="/")
        response.headers.update(HEADERS)
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"  # pages hold health data
        return response

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, error: NotSignedIn) -> Response:
        return to_sign_in(request, expired=error.expired)

    @app.exception_handler(SignedOut)
    async def signed_out(request: Request, _error: SignedOut) -> Response:
        session = session_of(request)
        app.state.sessions.drop(session.id)
        request.state.session = app.state.sessions.new()
        return to_sign_in(request, expired=True)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _error: CsrfRefused) -> Response:
        return page(request, "error.html", status=403, message=t("form.csrf"))

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> Response:
        key = {403: "error.forbidden", 404: "error.not_found", 502: "error.unavailable",
               503: "error.unavailable"}.get(error.status, "error.generic")
        return page(request, "error.html", status=error.status, message=t(key), detail=error.detail)

    @app.get("/health")
    @app.get("/health/ready")
    async def ready() -> Response:
        if await gateway.ready():
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "not ready", "detail": f"gateway not ready at {gateway.root}"}, 503)

    @app.get("/health/live")
    async def live() -> Response:
        return JSONResponse({"status": "live"})

    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(pages_auth.router)
    app.include_router(pages_registry.router)  # /patients/search and /new before /patients/{id}
    app.include_router(pages_clinician.router)
    app.include_router(pages_documents.router)
    app.include_router(pages_live.router)
    app.include_router(pages_enrolment.router)
    app.include_router(pages_circle.router)
    app.include_router(pages_patient.router)
    app.include_router(pages_record.router)  # /patients/{id}/{section}: after every fixed path
    return app
