"""care-circle on SQLite in a temporary directory, without a broker: the application and its
internal API behind the internal token."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage
from ecovid_platform.wiring import Wiring

from care_circle import SERVICE
from care_circle.application import CareCircleApplication
from care_circle.entrypoints import http

TOKEN = "care-circle-unit-test-token"


@pytest.fixture
def settings(tmp_path: Path) -> ServiceSettings:
    return ServiceSettings(data_dir=tmp_path, internal_token=TOKEN)


@pytest.fixture
def storage(settings: ServiceSettings) -> Storage:
    store = Storage(SERVICE, settings)
    store.create_tables()
    return store


@pytest.fixture
def app(storage: Storage) -> CareCircleApplication:
    return CareCircleApplication(env=storage.eventsourcing_env())


@pytest.fixture
def client(app: CareCircleApplication, storage: Storage, settings: ServiceSettings) -> TestClient:
    wiring = Wiring(SERVICE, settings, storage, app, broker=None)  # type: ignore[arg-type]
    test = TestClient(wiring.http([http.router(app)]))
    test.headers.update({"X-Internal-Token": TOKEN, "X-Actor-Kind": "admin", "X-Actor-Id": "admin-1"})
    return test
