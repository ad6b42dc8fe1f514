"""Fixtures of the integration tests: a private stack on PostgreSQL, another on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecovid_stack.stack import Stack

from tests.integration.support import (
    ADMIN,
    Api,
    create_database,
    drop_database,
    start_stack,
    stop_embedded_postgres,
)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[dict[str, str]]:
    settings = create_database()
    yield settings
    drop_database(settings)


@pytest.fixture(scope="session")
def pg_stack(tmp_path_factory: pytest.TempPathFactory, postgres_database: dict[str, str]) -> Iterator[Stack]:
    stack = start_stack(tmp_path_factory.mktemp("pg-stack"), postgres_database)
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def sqlite_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = start_stack(tmp_path_factory.mktemp("sqlite-stack"), None)
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def pg_admin(pg_stack: Stack) -> Api:
    return Api.login(pg_stack.url("gateway"), ADMIN["username"], ADMIN["password"])


@pytest.fixture(scope="session")
def care_team(pg_stack: Stack, pg_admin: Api) -> tuple[Api, str]:
    """A professional of a structure, signed in, and the structure id."""
    structure_id = pg_admin.structure()
    _, email = pg_admin.professional(structure_id)
    from tests.integration.support import PASSWORD

    return Api.login(pg_stack.url("gateway"), email, PASSWORD), structure_id


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    stop_embedded_postgres()


# Seconds a module takes on one worker (clean-clone CI runs, `--durations`). With two workers
# and `--dist loadfile`, a long module drawn last runs alone while the other worker idles: the
# longest go first (the Makefile turns off xdist's own order, which is by number of tests).
# A module not listed keeps its shuffled place after these.
MODULE_SECONDS = {  # measured 2026-12-02 on 2 cores (the whole integration run: 13 min 46 s)
    "test_rebuild.py": 285,
    "test_faults.py": 224,
    "test_restart.py": 169,
    "test_make_run.py": 101,
    "test_api_fuzz.py": 94,
    "test_alert_notifications.py": 86,
    "test_delivery.py": 81,
    "test_readiness.py": 60,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)
    # A plain hook runs after pytest-randomly's shuffle (a wrapper, before its yield); the sort
    # is stable, so a module's tests stay together in their shuffled order.
    items.sort(key=lambda item: -MODULE_SECONDS.get(Path(str(item.fspath)).name, 0))
