"""In `ECOVID_ENVIRONMENT=production` every service refuses to start with a development
secret: the process exits non-zero at once, naming the variable. No stack is needed:
each process stops before it opens a port, a database or a broker connection.

Break: the gateway's production check removed from GatewaySettings -> the gateway case
with the development JWT secret fails (it goes on starting: no exit within the deadline).
The chain's checkpoints: production refuses to start without ECOVID_CHECKPOINT_SIGNING_KEY.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ecovid_stack.ports import MODULES, SERVICES
from gateway.settings import DEVELOPMENT_JWT_SECRET

OWN_SECRETS = {
    "ECOVID_INTERNAL_TOKEN": "a production internal token",
    "ECOVID_JWT_SECRET": "a production signing key, long and random enough",
    "ECOVID_ADMIN_PASSWORD": "a production admin password",
    "ECOVID_CHECKPOINT_SIGNING_KEY": "9mE7l6dzUbg0yNoeQ7EHsJ0F0Uj5xgR6n4wPCwqJ6sM=",
}


def _start(service: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("ECOVID_", "POSTGRES_"))}
    environment.update({"ECOVID_ENVIRONMENT": "production", "ECOVID_DATA_DIR": str(tmp_path),
                        "ECOVID_KAFKA_BOOTSTRAP": "127.0.0.1:9", "ECOVID_HTTP_PORT": "9", **env})
    return subprocess.run([sys.executable, "-m", MODULES[service]], env=environment, capture_output=True,
                          text=True, timeout=60, check=False)


@pytest.mark.parametrize("service", SERVICES)
def test_production_refuses_the_development_internal_token(service: str, tmp_path: Path) -> None:
    secrets = {k: v for k, v in OWN_SECRETS.items() if k != "ECOVID_INTERNAL_TOKEN"}
    finished = _start(service, tmp_path, **secrets)
    assert finished.returncode != 0
    assert "ECOVID_INTERNAL_TOKEN must be set in production" in finished.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_production_refuses_to_sign_checkpoints_with_the_development_key(service: str, tmp_path: Path) -> None:
    """Break: the production check of ServiceSettings removed -> every service goes on starting."""
    secrets = {k: v for k, v in OWN_SECRETS.items() if k != "ECOVID_CHECKPOINT_SIGNING_KEY"}
    finished = _start(service, tmp_path, **secrets)
    assert finished.returncode != 0
    assert "ECOVID_CHECKPOINT_SIGNING_KEY must be set in production" in finished.stderr


@pytest.mark.parametrize("variable", ["ECOVID_JWT_SECRET", "ECOVID_ADMIN_PASSWORD"])
def test_the_gateway_refuses_its_development_secrets_in_one_line(variable: str, tmp_path: Path) -> None:
    secrets = {k: v for k, v in OWN_SECRETS.items() if k != variable}
    finished = _start("gateway", tmp_path, **secrets)
    assert finished.returncode == 1
    assert finished.stderr.strip() == f"gateway refuses to start: {variable} must be set in production"
    assert not [secret for secret in secrets.values() if secret in finished.stderr]


def test_the_development_jwt_secret_is_refused_even_when_given_explicitly(tmp_path: Path) -> None:
    secrets = {**OWN_SECRETS, "ECOVID_JWT_SECRET": DEVELOPMENT_JWT_SECRET}
    finished = _start("gateway", tmp_path, **secrets)
    assert finished.returncode == 1
    assert "ECOVID_JWT_SECRET must be set in production" in finished.stderr
