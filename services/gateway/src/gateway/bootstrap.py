"""Wires the gateway: accounts and audit store, audit outbox, service clients, public API."""

from __future__ import annotations

from datetime import timedelta

from ecovid_events import topics
from ecovid_platform.health import CHECK_TIMEOUT_SECONDS
from ecovid_platform.runtime import ServiceProcess
from ecovid_platform.settings import load
from ecovid_platform.wiring import run, wire

from gateway import SERVICE
from gateway.application import GatewayApplication
from gateway.audit import AuditTrail
from gateway.clients import ServiceClient
from gateway.context import Gateway, Services
from gateway.entrypoints.api import public_api
from gateway.integration import translate
from gateway.security import TokenIssuer
from gateway.settings import GatewaySettings

SERVICE_READY_TIMEOUT = CHECK_TIMEOUT_SECONDS + 1


def build(settings: GatewaySettings | None = None) -> ServiceProcess:
    settings = settings or GatewaySettings()
    parts = wire(SERVICE, GatewayApplication, settings)
    app = parts.app
    assert isinstance(app, GatewayApplication)
    app.ensure_admin(settings.admin_email, settings.admin_password.get_secret_value())
    parts.publish_through_outbox(translate, topics.GATEWAY_AUDIT)
    token = settings.internal_token.get_secret_value()
    services = Services(
        dossier=ServiceClient("dossier", settings.dossier_url, token),
        monitor=ServiceClient("ecovid-monitor", settings.ecovid_monitor_url, token),
        alerting=ServiceClient("alerting", settings.alerting_url, token),
        care_circle=ServiceClient("care-circle", settings.care_circle_url, token),
        documents=ServiceClient("documents", settings.documents_url, token),
    )
    gateway = Gateway(
        app=app,
        services=services,
        audit=AuditTrail(app),
        tokens=TokenIssuer(
            settings.jwt_secret.get_secret_value(), timedelta(minutes=settings.token_ttl_minutes)
        ),
    )
    # Ready only when every service it forwards to is: a request to a gateway that says
    # ready must not meet a 503 from behind it. Each service's answer is awaited a little
    # longer than its own checks take, so its reason comes through.
    health = parts.health({client.name: client.ready for client in services.all()}, timeout=SERVICE_READY_TIMEOUT)
    return parts.process(public_api(gateway, health), closing=[services.aclose])


def main() -> None:
    run(build(load(GatewaySettings, "gateway")))  # refused: one clear line, exit status 1
