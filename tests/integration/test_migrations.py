"""Schema migrations (ecovid_platform.migrations) on SQLite and PostgreSQL: a database made by
`create_all` before migrations is upgraded in place, data kept; a fresh one reaches the head.
"The schema equals what the models declare" is alembic's compare_metadata finding nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from ecovid_platform import migrations
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage

from tests.integration import schema_before_migrations as before
from tests.integration.support import create_database, drop_database

SERVICES = ["dossier", "ecovid-monitor", "alerting", "care-circle", "documents", "gateway"]
OLD_KEY, KEY_AT_06CB4CA = ("consumer", "event_id"), ("event_id", "consumer")


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServiceSettings]:
    if request.param == "sqlite":
        yield ServiceSettings(data_dir=tmp_path)
        return
    database = create_database()
    try:
        yield ServiceSettings(data_dir=tmp_path, **database)
    finally:
        drop_database(database)


def a_row(table: sa.Table) -> dict[str, Any]:
    """One row of plausible values, by column type."""
    values = {sa.Uuid: uuid.uuid4(), sa.Date: date(2026, 11, 30), sa.Boolean: True, sa.JSON: {"spo2": "alert"},
              sa.DateTime: datetime(2026, 11, 30, 20, 15, tzinfo=UTC), sa.Integer: 7, sa.String: "Dupont"}
    return {column.name: values[_kind(column, values)] for column in table.columns}


def _kind(column: sa.Column[Any], values: dict[type, Any]) -> type:
    kind = column.type.impl if isinstance(column.type, sa.TypeDecorator) else column.type
    return next(k for k in values if isinstance(kind, k))


def rows(engine: sa.Engine, md: sa.MetaData) -> dict[str, list[dict[str, Any]]]:
    with engine.connect() as connection:
        return {name: [dict(r._mapping) for r in connection.execute(sa.select(table))]
                for name, table in md.tables.items()}


def schema_of(storage: Storage) -> str | None:
    return storage.schema if storage.settings.uses_postgres else None


def head(line: migrations.ScriptLine) -> str | None:
    config = Config()
    config.set_main_option("script_location", line.location)
    return ScriptDirectory.from_config(config).get_current_head()


def assert_at_head(storage: Storage) -> None:
    schema = schema_of(storage)
    inbox_key = sa.inspect(storage.engine).get_pk_constraint("consumer_inbox", schema=schema)["constrained_columns"]
    assert inbox_key == list(KEY_AT_06CB4CA)
    for line in migrations.lines_of(storage.service):
        assert migrations.differences(storage.engine, schema, line) == [], line.location
        assert migrations.current(storage.engine, schema, line) == head(line) is not None


@pytest.mark.parametrize("inbox_key", [OLD_KEY, KEY_AT_06CB4CA], ids=["old-inbox-key", "inbox-key-at-06cb4ca"])
@pytest.mark.parametrize("service", SERVICES)
def test_a_database_made_before_migrations_is_upgraded_in_place(
    service: str, inbox_key: tuple[str, str], settings: ServiceSettings,
) -> None:
    """Break: drop a column from a baseline migration -> compare_metadata differs, fails;
    adopt every unversioned platform at platform_0002 -> the old inbox key stays, fails;
    no stamp of an unversioned database -> "table already exists", fails."""
    storage = Storage(service, settings)
    old = [before.platform(inbox_key), before.read_models(service)]
    written = {}
    with storage.engine.begin() as connection:
        for md in old:
            md.create_all(connection)
            for table in md.tables.values():
                row = a_row(table)
                connection.execute(table.insert().values(row))
                written[table.name] = [row]

    storage.migrate()

    kept = {name: found for md in old for name, found in rows(storage.engine, md).items()}
    assert kept == written
    assert_at_head(storage)
    storage.migrate()  # the next start finds nothing to do
    assert_at_head(storage)


@pytest.mark.parametrize("service", [*SERVICES, "admissions"])
def test_a_fresh_database_migrates_to_head(service: str, settings: ServiceSettings) -> None:
    """Break: drop an index from a baseline migration -> compare_metadata differs, fails."""
    storage = Storage(service, settings)
    storage.migrate()
    assert_at_head(storage)


def test_two_services_keep_their_versions_apart(settings: ServiceSettings) -> None:
    """On PostgreSQL each service's schema holds its own version tables (SQLite: its own file).
    Break: one schema for every service (Storage.schema = "shared") -> the second service
    finds the first's revision in the version table, fails."""
    for service in ("alerting", "documents"):
        Storage(service, settings).migrate()
    for service in ("alerting", "documents"):
        assert_at_head(Storage(service, settings))


def test_a_position_table_the_projector_made_itself_is_kept(settings: ServiceSettings) -> None:
    """Between the local projector and its migration, the projector made `projection_positions`.
    Break: create it unconditionally in platform_0003 -> "already exists", fails."""
    storage = Storage("alerting", settings)
    md = before.platform(KEY_AT_06CB4CA)
    positions = sa.Table("projection_positions", md, sa.Column("projection", sa.String(100), primary_key=True),
                         sa.Column("notification_id", sa.BigInteger, nullable=False))
    md.create_all(storage.engine)
    with storage.engine.begin() as connection:
        connection.execute(positions.insert().values(projection="alerting.alert-list", notification_id=41))
    storage.migrate()
    assert rows(storage.engine, md)["projection_positions"] == [
        {"projection": "alerting.alert-list", "notification_id": 41}]
    assert_at_head(storage)


def test_the_operator_command_reports_where_each_line_stands(settings: ServiceSettings) -> None:
    """What `ecovid-ops migrate` calls. Break: migrate() skips storage.migrate() -> None revisions, fails."""
    assert migrations.migrate("dossier", settings) == {
        line.version_table: head(line) for line in migrations.lines_of("dossier")}
    assert set(migrations.migrate("care-circle", settings)) == {"alembic_version_platform", "alembic_version"}


def test_an_alert_resolved_by_a_retraction_keeps_its_words_through_the_life_cycle_migration(
    settings: ServiceSettings,
) -> None:
    """alerting_0002 kept a retracted stay's reason as free text in `resolution`; alerting_0003
    (the life cycle) keeps it as `resolution_note`, reason cancelled_by_hospital, by the hospital.
    Break: 0003 drops `resolution` without copying it -> the note is None, fails;
    break: 0003 adds `resolved_at` again -> "duplicate column", fails."""
    storage = Storage("alerting", settings)
    schema = schema_of(storage)
    platform, alerting = migrations.lines_of("alerting")
    with storage.engine.begin() as connection:
        command.upgrade(migrations._config(platform, connection, schema), "head")
        command.upgrade(migrations._config(alerting, connection, schema), "alerting_0002")
        alerts = sa.Table("alerts", sa.MetaData(schema=schema), autoload_with=connection)
        row = {**a_row(alerts), "status": "resolved", "resolution": "admission cancelled by the hospital"}
        connection.execute(alerts.insert().values(row))
    storage.migrate()
    assert_at_head(storage)
    with storage.engine.connect() as connection:
        alerts = sa.Table("alerts", sa.MetaData(schema=schema), autoload_with=connection)
        found = connection.execute(sa.select(alerts)).mappings().one()
    assert "resolution" not in found
    assert (found["resolution_reason"], found["resolution_note"], found["resolved_by"]) == (
        "cancelled_by_hospital", "admission cancelled by the hospital", "hospital")
    # SQLite keeps no time zone: the moment itself is compared.
    assert found["resolved_at"].replace(tzinfo=None) == row["resolved_at"].replace(tzinfo=None)
