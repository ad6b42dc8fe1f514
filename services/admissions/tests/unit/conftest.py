"""Admissions on SQLite in a temporary directory, without a broker: the application and its
read models."""

import sys
from pathlib import Path

import pytest

from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage

from admissions import SERVICE, read_models
from admissions.application import AdmissionsApplication

sys.path.insert(0, str(Path(__file__).parent))

TOKEN = "admissions-unit-test-token"


@pytest.fixture
def settings(tmp_path: Path) -> ServiceSettings:
    return ServiceSettings(data_dir=tmp_path, internal_token=TOKEN)


@pytest.fixture
def storage(settings: ServiceSettings) -> Storage:
    store = Storage(SERVICE, settings)
    store.create_tables(read_models.metadata)
    return store


@pytest.fixture
def app(storage: Storage) -> AdmissionsApplication:
    application = AdmissionsApplication(env=storage.eventsourcing_env())
    application.storage = storage
    return application
