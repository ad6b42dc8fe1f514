"""Wires the gateway: accounts and audit store, audit outbox, service clients, public API."""

from __future__ import annotations

from datetime import timedelta

from ecovid_events import topics
from ecovid_platform.health import CHECK_TIMEOUT_SECONDS
from ecovid_platform.runtime import ServiceProcess
from ecovid_platform.settings import load
from ecovid_platform.wiring import run, wire

from gateway import SERVICE, audit_log
from gateway.application import GatewayApplication
from gateway.audit import AuditTrail
from gateway.clients import ServiceClient
from gateway.context import Gateway, Portal, Services
from gateway.entrypoints.api import public_api
from gateway.integration import translate
from gateway.mail import Mailer
from gateway.mfa import Challenges
from gateway.oidc import OidcProvider
from gateway.security import TokenIssuer
from gateway.sessions import LoginThrottle, Sessions
from gateway.sessions import metadata as sessions_metadata
from gateway.settings import GatewaySettings

SERVICE_READY_TIMEOUT = CHECK_TIMEOUT_SECONDS + 1


def build(settings: GatewaySettings | None = None) -> ServiceProcess:
    settings = settings or GatewaySettings()
    parts = wire(SERVICE, GatewayApplication, settings, read_models=[sessions_metadata, audit_log.metadata])
    app = parts.app
    assert isinstance(app, GatewayApplication)
    app.ensure_admin(settings.admin_email, settings.admin_password.get_secret_value())
    parts.publish_through_outbox(translate, topics.GATEWAY_AUDIT)
    # The same RecordAccessed events, from the gateway's own log, feed the audit read model.
    parts.project_locally(translate, [audit_log.projection], urgent=False)
    token = settings.internal_token.get_secret_value()
    services = Services(
        dossier=ServiceClient("dossier", settings.dossier_url, token),
        monitor=ServiceClient("ecovid-monitor", settings.ecovid_monitor_url, token),
        alerting=ServiceClient("alerting", settings.alerting_url, token),
        care_circle=ServiceClient("care-circle", settings.care_circle_url, token),
        documents=ServiceClient("documents", settings.documents_url, token),
        admissions=ServiceClient("admissions", settings.admissions_url, token),
    )
    gateway = Gateway(
        app=app,
        services=services,
        audit=AuditTrail(app),
        storage=parts.storage,
        portal=Portal(
            Mailer(settings.mail_sender, settings.mailbox_dir or settings.data_dir / "mailbox",
                   settings.smtp_host, settings.smtp_port),
            settings.portal_invitation_days, settings.portal_activation_url,
        ),
        sessions=Sessions(parts.storage, timedelta(hours=settings.refresh_ttl_hours)),
        challenges=Challenges(settings.jwt_secret.get_secret_value()),
        require_mfa=settings.require_mfa,
        oidc=OidcProvider(
            settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret.get_secret_value(),
            settings.oidc_redirect_uri, settings.oidc_account_claim,
        ) if settings.oidc_issuer else None,
        throttle=LoginThrottle(per_account=settings.login_failures_per_account,
                               per_address=settings.login_failures_per_address,
                               window_seconds=settings.login_failure_window_seconds),
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
