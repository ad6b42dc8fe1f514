"""Gateway settings: where the services are, token signing, the bootstrap admin."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator

from ecovid_platform.settings import ServiceSettings

DEVELOPMENT_JWT_SECRET = "development-only-signing-key-change-me-0123456789"
DEVELOPMENT_ADMIN_PASSWORD = "admin-dev-password"


class GatewaySettings(ServiceSettings):
    http_port: int = 8000
    dossier_url: str = "http://127.0.0.1:8101"
    ecovid_monitor_url: str = "http://127.0.0.1:8102"
    alerting_url: str = "http://127.0.0.1:8103"
    care_circle_url: str = "http://127.0.0.1:8104"
    documents_url: str = "http://127.0.0.1:8105"
    admissions_url: str = "http://127.0.0.1:8106"
    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_JWT_SECRET)
    # Short access tokens; a refresh token (single use, rotated) gets the next one.
    token_ttl_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_ttl_hours: int = Field(default=12, ge=1, le=30 * 24)
    login_failures_per_account: int = Field(default=5, ge=1)
    login_failures_per_address: int = Field(default=20, ge=1)
    login_failure_window_seconds: float = Field(default=900, gt=0)
    # Professionals sign in with a second factor (TOTP): the token comes only with the code.
    require_mfa: bool = False
    # An OpenID Connect provider (Pro Santé Connect): off unless the issuer is set.
    oidc_issuer: str | None = None
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")
    oidc_redirect_uri: str = "http://localhost:8000/api/v1/auth/oidc/callback"
    oidc_account_claim: str = "email"
    # The patient portal: invitation links, and where their e-mail goes (SMTP, or the
    # development sink `<data_dir>/mailbox`).
    portal_invitation_days: int = Field(default=7, ge=1, le=30)
    portal_activation_url: str = "http://localhost:8000/portal/activate"
    mail_sender: str = "e-COVID <no-reply@ecovid.local>"
    smtp_host: str | None = None
    smtp_port: int = 25
    mailbox_dir: Path | None = None
    admin_email: str = "admin@ecovid.local"
    admin_password: SecretStr = SecretStr(DEVELOPMENT_ADMIN_PASSWORD)

    @model_validator(mode="after")
    def _production_secrets(self) -> GatewaySettings:
        if self.environment == "production":
            if self.jwt_secret.get_secret_value() == DEVELOPMENT_JWT_SECRET:
                raise ValueError("ECOVID_JWT_SECRET must be set in production")
            if self.admin_password.get_secret_value() == DEVELOPMENT_ADMIN_PASSWORD:
                raise ValueError("ECOVID_ADMIN_PASSWORD must be set in production")
        return self
