"""Settings common to every service, read from the environment (12-factor)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_INTERNAL_TOKEN = "development-internal-token"


class ServiceSettings(BaseSettings):
    """`ECOVID_*` variables, and the `POSTGRES_*` ones eventsourcing also reads."""

    model_config = SettingsConfigDict(env_prefix="ECOVID_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    http_host: str = "127.0.0.1"
    http_port: int = 8100
    http_threads: int = Field(default=6, ge=1, le=200)
    kafka_bootstrap: str = "127.0.0.1:9092"
    data_dir: Path = Path("var")
    log_json: bool | None = None
    log_level: str = "INFO"
    internal_token: SecretStr = SecretStr(DEVELOPMENT_INTERNAL_TOKEN)
    consumer_max_attempts: int = Field(default=5, ge=1)
    # Off until the regression it causes after a broker restart is understood (ecovid_platform.identity).
    consumer_topic_identity_check: bool = False
    consumer_retry_delay_seconds: float = Field(default=0.2, ge=0)
    # tansu answers an empty fetch only when this runs out (Apache Kafka answers on arrival):
    # it bounds each Kafka hop's latency in development.
    consumer_fetch_max_wait_ms: int = Field(default=25, ge=1, le=5000)
    # A consumer pauses this long after a short batch, and the outbox relay after each
    # wake-up, so that under load they handle bigger, cheaper batches: a few ms on the
    # alert path, longer for read models nobody waits on within the second (timeline,
    # lists, search).
    consumer_linger_ms: int = Field(default=5, ge=0, le=5000)
    consumer_relaxed_linger_ms: int = Field(default=250, ge=0, le=5000)
    outbox_linger_ms: int = Field(default=5, ge=0, le=1000)

    # The tamper-evidence chain (ecovid_platform.chain): a signed checkpoint of its head every so
    # many records or seconds, whichever comes first. The Ed25519 key: 32 raw bytes in base64, or
    # PEM; none in development (the development key, forgeable, with a warning), refused in
    # production. The public key(s) verify-chain accepts (by default the signing key's).
    checkpoint_signing_key: SecretStr | None = None
    checkpoint_public_key: str | None = None
    chain_checkpoint_seconds: float = Field(default=60.0, gt=0)
    chain_checkpoint_records: int = Field(default=10_000, ge=1)

    # Per pool; each service has two (event store, read models). Small, because a
    # PostgreSQL server allows 100 connections by default and six services share it.
    db_pool_size: int = Field(default=2, ge=1, le=50)
    db_pool_overflow: int = Field(default=3, ge=0, le=50)

    postgres_host: str | None = Field(default=None, validation_alias="POSTGRES_HOST")
    postgres_port: int = Field(default=5432, validation_alias="POSTGRES_PORT")
    postgres_dbname: str | None = Field(default=None, validation_alias="POSTGRES_DBNAME")
    postgres_user: str | None = Field(default=None, validation_alias="POSTGRES_USER")
    postgres_password: SecretStr = Field(default=SecretStr(""), validation_alias="POSTGRES_PASSWORD")

    @property
    def uses_postgres(self) -> bool:
        return bool(self.postgres_host and self.postgres_dbname)

    @field_validator("checkpoint_signing_key")
    @classmethod
    def _readable_signing_key(cls, value: SecretStr | None) -> SecretStr | None:
        from ecovid_platform.chain.keys import private_key_from

        if value is not None:
            private_key_from(value.get_secret_value())  # BadKey (a ValueError) says what is expected
        return value

    @field_validator("checkpoint_public_key")
    @classmethod
    def _readable_public_key(cls, value: str | None) -> str | None:
        from ecovid_platform.chain.keys import public_keys_from

        if value is not None:
            public_keys_from(value)
        return value

    @model_validator(mode="after")
    def _checkpoint_key_in_production(self) -> ServiceSettings:
        if self.environment == "production" and self.checkpoint_signing_key is None:
            raise ValueError("ECOVID_CHECKPOINT_SIGNING_KEY must be set in production")
        return self

    def checkpoint_signer_key(self) -> Any:
        """The Ed25519 private key, or None: the development key."""
        from ecovid_platform.chain.keys import private_key_from

        key = self.checkpoint_signing_key
        return private_key_from(key.get_secret_value()) if key is not None else None

    def checkpoint_verifier(self) -> Any:
        """The public keys verify-chain accepts: ECOVID_CHECKPOINT_PUBLIC_KEY, else the signing key's,
        else the development key's."""
        from ecovid_platform.chain.keys import Verifier, public_keys_from

        if self.checkpoint_public_key is not None:
            return Verifier(public_keys_from(self.checkpoint_public_key))
        private = self.checkpoint_signer_key()
        return Verifier([private.public_key()]) if private is not None else Verifier.for_development()

    @model_validator(mode="after")
    def _no_development_secrets_in_production(self) -> ServiceSettings:
        if self.environment == "production" and (
            self.internal_token.get_secret_value() == DEVELOPMENT_INTERNAL_TOKEN
        ):
            raise ValueError("ECOVID_INTERNAL_TOKEN must be set in production")
        return self


Settings = TypeVar("Settings", bound=ServiceSettings)


def load(settings_class: type[Settings], service: str) -> Settings:
    """The settings from the environment; refused, one line on stderr and exit status 1."""
    try:
        return settings_class()
    except ValidationError as error:
        sys.exit(refusal(service, error))


def refusal(service: str, error: ValidationError) -> str:
    """Why the settings were refused, naming the variables but never their values:
    pydantic's own message repeats every input, secrets included."""
    reasons = []
    for problem in error.errors(include_input=False, include_url=False):
        names = [str(part) for part in problem["loc"]]
        # A field read under its own name (POSTGRES_*) is named so; the others carry the prefix.
        variable = ".".join(n if n.isupper() else f"ECOVID_{n.upper()}" for n in names)
        message = problem["msg"].removeprefix("Value error, ")
        reasons.append(f"{variable}: {message}" if variable else message)
    return f"{service} refuses to start: " + "; ".join(reasons)
