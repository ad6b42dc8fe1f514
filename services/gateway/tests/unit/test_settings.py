"""Production refuses the development secrets, with a message naming the variable and
never a secret's value.

Break: the gateway's production validator removed -> the JWT secret and admin password
cases fail (the settings are accepted).
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ecovid_platform.settings import DEVELOPMENT_INTERNAL_TOKEN, refusal

from gateway.settings import DEVELOPMENT_ADMIN_PASSWORD, DEVELOPMENT_JWT_SECRET, GatewaySettings

OWN = {
    "ECOVID_ENVIRONMENT": "production",
    "ECOVID_JWT_SECRET": "a production signing key, long and random enough",
    "ECOVID_INTERNAL_TOKEN": "a production internal token",
    "ECOVID_ADMIN_PASSWORD": "a production admin password",
    "ECOVID_CHECKPOINT_SIGNING_KEY": "9mE7l6dzUbg0yNoeQ7EHsJ0F0Uj5xgR6n4wPCwqJ6sM=",
}


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> GatewaySettings:
    for name, value in {**OWN, **env}.items():
        monkeypatch.setenv(name, value)
    return GatewaySettings()


def test_production_with_its_own_secrets_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(monkeypatch)
    assert settings.jwt_secret.get_secret_value() == OWN["ECOVID_JWT_SECRET"]


@pytest.mark.parametrize(("variable", "development_value"), [
    ("ECOVID_JWT_SECRET", DEVELOPMENT_JWT_SECRET),
    ("ECOVID_INTERNAL_TOKEN", DEVELOPMENT_INTERNAL_TOKEN),
    ("ECOVID_ADMIN_PASSWORD", DEVELOPMENT_ADMIN_PASSWORD),
])
def test_production_refuses_each_development_secret(
    monkeypatch: pytest.MonkeyPatch, variable: str, development_value: str,
) -> None:
    with pytest.raises(ValidationError) as refused:
        _settings(monkeypatch, **{variable: development_value})
    message = refusal("gateway", refused.value)
    assert message == f"gateway refuses to start: {variable} must be set in production"
    secrets = [value for name, value in OWN.items() if name != "ECOVID_ENVIRONMENT"]
    assert not [secret for secret in (*secrets, development_value) if secret in message]


def test_development_accepts_the_development_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in OWN:
        monkeypatch.delenv(name, raising=False)
    settings = GatewaySettings()
    assert settings.environment == "development"
    assert settings.jwt_secret.get_secret_value() == DEVELOPMENT_JWT_SECRET


def test_a_malformed_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError) as refused:
        _settings(monkeypatch, ECOVID_TOKEN_TTL_MINUTES="0")
    assert refusal("gateway", refused.value).startswith("gateway refuses to start: ECOVID_TOKEN_TTL_MINUTES: ")
