"""Alerting on SQLite in a temporary directory, without a broker: the application, its read
models, and its internal API behind the internal token."""

import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage
from ecovid_platform.wiring import Wiring

from alerting import SERVICE, read_models
from alerting.application import AlertingApplication
from alerting.entrypoints import http

sys.path.insert(0, str(Path(__file__).parent))

TOKEN = "alerting-unit-test-token"


@pytest.fixture
def settings(tmp_path: Path) -> ServiceSettings:
    return ServiceSettings(data_dir=tmp_path, internal_token=TOKEN)


@pytest.fixture
def storage(settings: ServiceSettings) -> Storage:
    store = Storage(SERVICE, settings)
    store.create_tables(read_models.metadata)
    return store


@pytest.fixture
def app(storage: Storage) -> AlertingApplication:
    return AlertingApplication(env=storage.eventsourcing_env())


@pytest.fixture
def client(app: AlertingApplication, storage: Storage, settings: ServiceSettings) -> TestClient:
    wiring = Wiring(SERVICE, settings, storage, app, broker=None)  # type: ignore[arg-type]
    test = TestClient(wiring.http([http.router(app, storage)]))
    test.headers.update({"X-Internal-Token": TOKEN, "X-Actor-Kind": "professional", "X-Actor-Id": "pro-7"})
    return test
