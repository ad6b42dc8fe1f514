"""The public FastAPI application (OpenAPI at /docs): routes under /api/v1 and /health."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from ecovid_platform.bodies import install_body_guard
from ecovid_platform.http import install_correlation, install_error_handlers

from gateway import SERVICE
from gateway.context import Gateway
from gateway.entrypoints.routes import (
    admin,
    alerts,
    auth,
    documents,
    episodes,
    monitoring,
    patients,
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
    for module in (auth, admin, patients, episodes, alerts, records, documents, monitoring, rule_sets):
        api.include_router(module.router)
    return api
