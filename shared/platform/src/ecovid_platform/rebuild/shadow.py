"""Shadow copies of a read model's tables, filled beside the live ones, then swapped in.

PostgreSQL: the shadow tables live in a schema of their own (`<service schema>__shadow`),
with the live tables' names, columns and indexes; the swap drops each live table and
moves its shadow into the service's schema (ALTER TABLE ... SET SCHEMA), all in one
transaction: readers see the old rows until the commit, then the new ones.

SQLite: the shadow tables are in a file of their own (`<service>.shadow.sqlite3`),
attached to the connection as schema `shadow`. A table cannot move from one file to
another, so the swap empties each live table and copies its shadow in, inside one
write transaction: with the write-ahead log, readers keep reading the old rows until
the commit, and writers wait for it.

The handlers write to the shadow unchanged: the shadow session translates the tables'
(absent) schema to the shadow's (`schema_translate_map`), and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.util import EMPTY_DICT

from ecovid_platform.bulk import SCHEMA_MAP
from ecovid_platform.storage import Storage


class ShadowSession(Session):
    """A session whose every statement goes to the shadow tables (and every COPY of
    `ecovid_platform.bulk`, which reads the translation from `info`)."""

    def __init__(self, *, bind: sa.Connection, shadow_schema: str) -> None:
        super().__init__(bind=bind)
        self.info[SCHEMA_MAP] = {None: shadow_schema}

    def _execute_internal(self, statement: Any, params: Any = None, *,
                          execution_options: Any = EMPTY_DICT, **kw: Any) -> Any:
        options = {**execution_options, "schema_translate_map": self.info[SCHEMA_MAP]}
        return super()._execute_internal(statement, params, execution_options=options, **kw)


class Shadow:
    def __init__(self, storage: Storage, tables: Sequence[sa.Table]) -> None:
        self.storage, self.tables = storage, list(tables)
        self.postgres = storage.settings.uses_postgres
        if self.postgres:
            self.schema, self.live_schema = f"{storage.schema}__shadow", storage.schema
            self.engine = storage.engine
        else:
            self.schema, self.live_schema = "shadow", "main"
            data = storage.settings.data_dir
            self.file = data / f"{storage.service}.shadow.sqlite3"
            # The driver's own transaction handling off: this module says BEGIN IMMEDIATE itself.
            self.engine = sa.create_engine(
                f"sqlite:///{data / f'{storage.service}.sqlite3'}", isolation_level="AUTOCOMMIT",
                poolclass=sa.pool.StaticPool, connect_args={"timeout": 30, "check_same_thread": False},
            )
        self._connection: sa.Connection | None = None

    # -- life cycle -------------------------------------------------------------------

    def create(self) -> None:
        """Empty shadow tables, made from the live tables' definitions (indexes included)."""
        if self.postgres:
            with self.engine.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
                connection.execute(sa.text(f'CREATE SCHEMA "{self.schema}"'))
                self._create_tables(connection)
            return
        self.file.unlink(missing_ok=True)
        connection = self.connection()
        connection.exec_driver_sql(f"ATTACH DATABASE '{self.file}' AS shadow")
        connection.exec_driver_sql("PRAGMA shadow.journal_mode=MEMORY")
        connection.exec_driver_sql("PRAGMA shadow.synchronous=OFF")  # thrown away on a crash
        self._create_tables(connection)

    def _create_tables(self, connection: sa.Connection) -> None:
        translated = connection.execution_options(schema_translate_map={None: self.schema})
        for metadata in {table.metadata for table in self.tables}:
            metadata.create_all(translated, tables=[t for t in self.tables if t.metadata is metadata])
        connection.execution_options(schema_translate_map=None)

    def drop(self) -> None:
        if self.postgres:
            with self.engine.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            return
        if self._connection is not None:
            self._connection.exec_driver_sql("DETACH DATABASE shadow")
            self._connection.close()
            self._connection = None
        self.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            self.file.with_name(self.file.name + suffix).unlink(missing_ok=True)

    def connection(self) -> sa.Connection:
        """SQLite: the one connection that sees the shadow file."""
        if self._connection is None:
            self._connection = self.engine.connect()
        return self._connection

    # -- writing ----------------------------------------------------------------------

    def session(self, connection: sa.Connection) -> ShadowSession:
        return ShadowSession(bind=connection, shadow_schema=self.schema)

    @contextmanager
    def batch(self) -> Iterator[ShadowSession]:
        """One transaction on the shadow tables only: the live writers go on."""
        if self.postgres:
            with self.engine.begin() as connection:
                yield self.session(connection)
            return
        connection = self.connection()
        connection.exec_driver_sql("BEGIN")
        try:
            yield self.session(connection)
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT")

    @contextmanager
    def holding_writers(self, *, commit: bool) -> Iterator[sa.Connection]:
        """One transaction in which the live writers of the read model wait (the caller
        locks their positions and tables); committed, or rolled back for a comparison."""
        if self.postgres:
            with self.engine.connect() as connection:
                transaction = connection.begin()
                try:
                    connection.execute(sa.text("SET LOCAL lock_timeout = '30s'"))
                    yield connection
                except BaseException:
                    transaction.rollback()
                    raise
                (transaction.commit if commit else transaction.rollback)()
            return
        connection = self.connection()
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # the database's write lock: every writer waits
        try:
            yield connection
        except BaseException:
            connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT" if commit else "ROLLBACK")

    def lock_live_tables(self, connection: sa.Connection, *, swapping: bool) -> None:
        """PostgreSQL: writers of the live tables wait, readers go on; before a swap, readers wait
        too (the tables are about to be dropped). SQLite: BEGIN IMMEDIATE did it."""
        if self.postgres:
            names = ", ".join(self._live(t) for t in self.tables)
            mode = "ACCESS EXCLUSIVE" if swapping else "EXCLUSIVE"
            connection.execute(sa.text(f"LOCK TABLE {names} IN {mode} MODE"))

    def lock_inbox(self, connection: sa.Connection, inbox: sa.Table) -> None:
        """PostgreSQL: no consumer records an applied event meanwhile (readers go on)."""
        if self.postgres:
            connection.execute(sa.text(f"LOCK TABLE {self._live(inbox)} IN SHARE MODE"))

    def swap(self, connection: sa.Connection) -> None:
        """Inside `holding_writers(commit=True)`: the shadow's rows become the live ones."""
        for table in self.tables:
            if self.postgres:
                connection.execute(sa.text(f"DROP TABLE {self._live(table)}"))
                connection.execute(sa.text(
                    f'ALTER TABLE "{self.schema}"."{table.name}" SET SCHEMA "{self.live_schema}"'))
            else:
                columns = ", ".join(f'"{c.name}"' for c in table.columns)
                connection.exec_driver_sql(f"DELETE FROM {self._live(table)}")
                connection.exec_driver_sql(
                    f'INSERT INTO {self._live(table)} ({columns}) SELECT {columns} FROM shadow."{table.name}"')

    # -- reading ----------------------------------------------------------------------

    def rows(
        self, connection: sa.Connection, table: sa.Table, *, shadow: bool
    ) -> dict[tuple[Any, ...], dict[str, Any]]:
        """Every row of the live or shadow table, by primary key."""
        options = {"schema_translate_map": {None: self.schema if shadow else self._live_schema_name()}}
        key = [c.name for c in table.primary_key.columns] or [c.name for c in table.columns]
        result = connection.execute(sa.select(table), execution_options=options)
        return {tuple(row[k] for k in key): dict(row) for row in result.mappings()}

    def count(self, connection: sa.Connection, table: sa.Table) -> int:
        options = {"schema_translate_map": {None: self._live_schema_name()}}
        return int(connection.execute(sa.select(sa.func.count()).select_from(table), execution_options=options)
                   .scalar_one())

    def _live_schema_name(self) -> str | None:
        return self.live_schema if self.postgres else None

    def _live(self, table: sa.Table) -> str:
        return f'"{self.live_schema}"."{table.name}"'
