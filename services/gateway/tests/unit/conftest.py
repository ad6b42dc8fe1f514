"""The gateway as `build` wires it, on SQLite in a temporary directory, calling a fake
platform (fake_platform.py) over HTTP; no broker is contacted (nothing starts the relay).

Also lets the tests import their helpers under --import-mode=importlib.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import pytest
from fake_platform import FakePlatform, serve
from fastapi.testclient import TestClient

from gateway.bootstrap import build
from gateway.context import Gateway
from gateway.domain.account import RecordAccess
from gateway.security import Principal
from gateway.settings import GatewaySettings

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@unit.local", "unit-admin-password"
JWT_SECRET = "unit-test-jwt-secret-of-thirty-two-bytes"


@pytest.fixture(scope="session")
def _served() -> Iterator[tuple[FakePlatform, str]]:
    platform = FakePlatform()
    url, server, thread = serve(platform)
    yield platform, url
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def platform(_served: tuple[FakePlatform, str]) -> FakePlatform:
    _served[0].reset()
    return _served[0]


def gateway_settings(data_dir: Path, url: str) -> GatewaySettings:
    return GatewaySettings(
        data_dir=data_dir, log_json=True, kafka_bootstrap="127.0.0.1:9",
        dossier_url=f"{url}/dossier", ecovid_monitor_url=f"{url}/monitor", alerting_url=f"{url}/alerting",
        care_circle_url=f"{url}/care-circle", documents_url=f"{url}/documents",
        jwt_secret=JWT_SECRET, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD,
    )


@dataclass
class Caller:
    principal: Principal
    headers: dict[str, str]


@dataclass
class World:
    """The gateway under test, its HTTP client, the fake platform and a few callers."""

    client: TestClient
    gateway: Gateway
    platform: FakePlatform
    patient: str
    structure: str
    first_notification: int  # the audit trail of this test starts after it

    def caller(self, role: str = "professional", *, member: bool = False, circle_role: str = "nurse") -> Caller:
        principal = Principal(uuid.uuid4(), role, uuid.UUID(self.structure) if role == "professional" else None)
        if member:
            self.platform.circles.setdefault(self.patient, set()).add(str(principal.subject_id))
            self.platform.roles[str(principal.subject_id)] = circle_role
        return Caller(principal, {"Authorization": f"Bearer {self.gateway.tokens.issue(principal)}"})

    def accesses(self) -> list[RecordAccess.Recorded]:
        """The audit trail as stored, oldest first."""
        notifications = self.gateway.app.recorder.select_notifications(
            start=self.first_notification + 1, limit=10_000
        )
        events = [self.gateway.app.mapper.to_domain_event(n) for n in notifications]
        return [e for e in events if isinstance(e, RecordAccess.Recorded)]


@pytest.fixture(scope="session")
def _built(
    tmp_path_factory: pytest.TempPathFactory, _served: tuple[FakePlatform, str],
) -> Iterator[tuple[TestClient, Gateway]]:
    """Built once (an Argon2 hash and a database each time): every test has its own
    patient, callers and part of the audit trail."""
    process = build(gateway_settings(tmp_path_factory.mktemp("gateway"), _served[1]))
    gateway = process.http.state.gateway
    # `with`: one event loop for every request, to which the aiohttp sessions belong.
    with TestClient(process.http, raise_server_exceptions=False) as client:
        yield client, gateway
        client.portal.call(gateway.services.aclose)  # type: ignore[union-attr]


@pytest.fixture
def world(_built: tuple[TestClient, Gateway], platform: FakePlatform) -> World:
    client, gateway = _built
    patient, structure = str(uuid.uuid4()), str(uuid.uuid4())
    platform.structures.add(structure)
    return World(client, gateway, platform, patient, structure, gateway.app.recorder.max_notification_id() or 0)
