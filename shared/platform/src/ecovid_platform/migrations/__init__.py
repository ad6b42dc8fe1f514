"""Schema migrations (alembic) of a service's own tables: the platform's bookkeeping tables and
the service's read models. The event store's tables stay eventsourcing's.

Two lines of scripts per database, each with its own version table in the service's schema
(PostgreSQL) or file (SQLite): the platform's (`ecovid_platform/migrations/versions`, table
`alembic_version_platform`) and the service's (`<package>/migrations/versions`, table
`alembic_version`), found by the convention that a service's package has a `migrations`
package declaring its `metadata`. A database made before migrations existed (tables
created by `create_all`, no version table) is stamped at the revision it matches, then upgraded.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from ecovid_platform.settings import ServiceSettings
from ecovid_platform.tables import platform_metadata

# The inbox's key before it was led by the event id (commit 9acc6dd).
INBOX_KEY_BEFORE = ["consumer", "event_id"]


@dataclass(frozen=True)
class ScriptLine:
    """One line of migration scripts and the tables its head makes."""

    location: str  # alembic's "package:directory"
    version_table: str
    metadata: sa.MetaData
    # The revision a database holding these tables but no version table is at.
    adopt: Callable[[sa.Connection, str | None], str]


def _platform_revision(connection: sa.Connection, schema: str | None) -> str:
    key = sa.inspect(connection).get_pk_constraint("consumer_inbox", schema=schema)["constrained_columns"]
    return "platform_0001" if key == INBOX_KEY_BEFORE else "platform_0002"


PLATFORM = ScriptLine("ecovid_platform:migrations", "alembic_version_platform", platform_metadata,
                      _platform_revision)


def service_line(service: str) -> ScriptLine | None:
    """The service's scripts, or None for a service without read models of its own."""
    package = service.replace("-", "_")
    if importlib.util.find_spec(package) is None or importlib.util.find_spec(f"{package}.migrations") is None:
        return None
    scripts = importlib.import_module(f"{package}.migrations")
    return ScriptLine(f"{package}:migrations", "alembic_version", scripts.metadata, lambda *_: scripts.BASELINE)


def lines_of(service: str) -> list[ScriptLine]:
    own = service_line(service)
    return [PLATFORM] if own is None else [PLATFORM, own]


def upgrade(engine: sa.Engine, schema: str | None, lines: list[ScriptLine]) -> None:
    """Brings every line to its head, in one transaction on PostgreSQL (DDL is transactional there)."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # A service starting while an operator runs `ecovid-ops migrate`: one waits.
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:schema))"), {"schema": schema})
        for line in lines:
            config = _config(line, connection, schema)
            if _predates_migrations(connection, schema, line):
                command.stamp(config, line.adopt(connection, schema))
            command.upgrade(config, "head")


def differences(engine: sa.Engine, schema: str | None, line: ScriptLine) -> list[Any]:
    """What the database lacks or has more than `line.metadata` declares (empty: they agree)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "include_name": _own_tables(line), "include_object": _made_on(connection.dialect.name),
            "version_table": line.version_table, "version_table_schema": schema,
        })
        return list(compare_metadata(context, line.metadata))


def migrate(service: str, settings: ServiceSettings) -> dict[str, str | None]:
    """`ecovid-ops migrate SERVICE`: the service's tables brought to the current schema; gives
    the revision each version table is now at (what the operator sees)."""
    from ecovid_platform.storage import Storage

    storage = Storage(service, settings)
    try:
        storage.migrate()
        schema = storage.schema if settings.uses_postgres else None
        return {line.version_table: current(storage.engine, schema, line) for line in lines_of(service)}
    finally:
        storage.engine.dispose()


def current(engine: sa.Engine, schema: str | None, line: ScriptLine) -> str | None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "version_table": line.version_table, "version_table_schema": schema})
        return context.get_current_revision()


def run_scripts() -> None:
    """The body of every `env.py`: runs alembic's command on the connection it was given."""
    from alembic import context

    attributes = context.config.attributes
    line: ScriptLine = attributes["line"]
    context.configure(
        connection=attributes["connection"], target_metadata=line.metadata,
        version_table=line.version_table, version_table_schema=attributes["schema"],
        include_name=_own_tables(line),
    )
    with context.begin_transaction():
        context.run_migrations()


def _config(line: ScriptLine, connection: sa.Connection, schema: str | None) -> Config:
    config = Config()
    config.set_main_option("script_location", line.location)
    config.attributes.update(connection=connection, schema=schema, line=line)
    return config


def _predates_migrations(connection: sa.Connection, schema: str | None, line: ScriptLine) -> bool:
    inspector = sa.inspect(connection)
    if inspector.has_table(line.version_table, schema=schema):
        return False
    return any(inspector.has_table(name, schema=schema) for name in line.metadata.tables)


def _own_tables(line: ScriptLine) -> Callable[[str | None, str, Any], bool]:
    # The schema also holds the event store's tables and the other line's: not this line's business.
    def include(name: str | None, kind: str, parents: Any) -> bool:
        return kind != "table" or name in line.metadata.tables

    return include


def _made_on(dialect: str) -> Callable[[Any, str | None, str, bool, Any], bool]:
    # An index declared for one dialect only (`ddl_if`) is not expected on the other.
    def include(item: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
        condition = getattr(item, "_ddl_if", None)
        return condition is None or condition.dialect in (None, dialect)

    return include
