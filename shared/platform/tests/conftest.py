"""Fixtures of the platform's unit tests; the fakes live in `platform_fakes`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from platform_fakes import FakeKafka, Marks, effects

from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage


@pytest.fixture
def kafka() -> FakeKafka:
    return FakeKafka()


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    storage = Storage("platform-test", ServiceSettings(data_dir=tmp_path, _env_file=None))
    storage.create_tables(effects)
    return storage


@pytest.fixture
def marks(storage: Storage) -> Iterator[Marks]:
    app = Marks(env=storage.eventsourcing_env())
    yield app
    app.close()
