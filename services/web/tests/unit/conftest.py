"""The web app on a fake gateway (web_fakes.py, an httpx transport): no network, no stack.

Also lets the tests import their helpers under --import-mode=importlib."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import pytest
from ecovid_web.app import create_app
from ecovid_web.settings import Settings
from fastapi.testclient import TestClient
from web_fakes import FakeGateway


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def client(gateway: FakeGateway) -> TestClient:
    app = create_app(Settings(gateway_url="http://gateway.test"), transport=gateway.transport())
    return TestClient(app, base_url="http://127.0.0.1:8080", follow_redirects=False)
