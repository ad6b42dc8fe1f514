"""The public FastAPI application (OpenAPI at /docs and /openapi.json, the integration events' AsyncAPI
at /asyncapi.json): routes under /api/v1 and /health."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter, FastAPI

from ecovid_events.asyncapi import document as asyncapi_document
from ecovid_platform.bodies import install_body_guard
from ecovid_platform.http import install_correlation, install_error_handlers

from gateway import SERVICE
from gateway.audit import client_address
from gateway.context import Gateway
from gateway.entrypoints.answers import document_errors
from gateway.entrypoints.routes import (
    admin,
    admissions,
    alerts,
    audit,
    auth,
    directory,
    documents,
    episodes,
    monitoring,
    notification_preferences,
    patients,
    portal,
    records,
    rule_sets,
)


def public_api(gateway: Gateway, health: APIRouter) -> FastAPI:
    api = FastAPI(
        title="e-COVID coordination platform",
        version="1",
        description="Public API of the platform. Bearer tokens from POST /api/v1/auth/token.",
    )
    api.state.gateway = gateway
    install_error_handlers(api)
    install_body_guard(api)
    install_correlation(api, SERVICE)
    api.include_router(health)
    for module in (auth, admin, admissions, patients, episodes, alerts, records, documents, monitoring, rule_sets,
                   notification_preferences, audit, portal, directory):
        api.include_router(module.router)
    api.include_router(auth.me)
    document_errors(api)
    api.add_api_route("/asyncapi.json", _asyncapi, methods=["GET"], include_in_schema=False)
    api.add_middleware(ClientAddress)
    return api


@cache
def _events() -> dict[str, Any]:
    return asyncapi_document()


async def _asyncapi() -> dict[str, Any]:
    """The AsyncAPI 3 document of the integration events, beside the OpenAPI one."""
    return _events()


class ClientAddress:
    """Pure ASGI (no extra task per request): the caller's address for the audit records."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            client = scope.get("client")
            client_address.set(client[0] if client else None)
        await self.app(scope, receive, send)
