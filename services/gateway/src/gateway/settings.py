"""Gateway settings: where the services are, token signing, the bootstrap admin."""

from __future__ import annotations

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
    jwt_secret: SecretStr = SecretStr(DEVELOPMENT_JWT_SECRET)
    token_ttl_minutes: int = Field(default=60, ge=1, le=24 * 60)
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
