"""Where a service keeps its event store and its read models.

PostgreSQL (one schema per service) when `POSTGRES_*` settings are given, SQLite
files under the data directory otherwise (the embedded default).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
import structlog
from sqlalchemy.orm import Session, sessionmaker

from ecovid_platform import migrations
from ecovid_platform.settings import ServiceSettings

log = structlog.get_logger(__name__)


class Storage:
    def __init__(self, service: str, settings: ServiceSettings) -> None:
        self.service = service
        self.settings = settings
        self.schema = service.replace("-", "_")
        self.engine = self._create_engine()
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def eventsourcing_env(self) -> dict[str, str]:
        # One writer process per service: the cache holds what this process saved, without a
        # query per command to fast-forward it. Should another writer get there first, the
        # save conflicts, the stale aggregates leave the cache (ServiceApplication._record)
        # and the command is retried on what is stored.
        cache = {"AGGREGATE_CACHE_MAXSIZE": "20000", "AGGREGATE_CACHE_FASTFORWARD": "n"}
        return {**cache, **self._persistence_env()}

    def _persistence_env(self) -> dict[str, str]:
        s = self.settings
        if s.uses_postgres:
            return {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_HOST": s.postgres_host or "",
                "POSTGRES_PORT": str(s.postgres_port),
                "POSTGRES_DBNAME": s.postgres_dbname or "",
                "POSTGRES_USER": s.postgres_user or "",
                "POSTGRES_PASSWORD": s.postgres_password.get_secret_value(),
                "POSTGRES_SCHEMA": self.schema,
                "POSTGRES_LOCK_TIMEOUT": "5",
                "POSTGRES_POOL_SIZE": str(s.db_pool_size),
                "POSTGRES_MAX_OVERFLOW": str(s.db_pool_overflow),
                "PROCESS_RECORDER_TOPIC": "ecovid_platform.recorders:UnannouncedProcessRecorder",
            }
        s.data_dir.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(s.data_dir / f"{self.service}.events.sqlite3"),
            "SQLITE_LOCK_TIMEOUT": "10",
        }

    def _create_engine(self) -> sa.Engine:
        s = self.settings
        if s.uses_postgres:
            url = sa.URL.create(
                "postgresql+psycopg",
                username=s.postgres_user,
                password=s.postgres_password.get_secret_value() or None,
                host=s.postgres_host,
                port=s.postgres_port,
                database=s.postgres_dbname,
            )
            engine = sa.create_engine(
                url,
                pool_size=s.db_pool_size,
                max_overflow=s.db_pool_overflow,
                # No ping per checkout (a round trip per transaction): a dropped connection
                # fails one transaction, which consumers redeliver, and the pool is renewed.
                pool_pre_ping=False,
                pool_recycle=1800,
                # psycopg prepares a statement run five times; PostgreSQL may then keep one
                # generic plan for the connection's life. Read-model tables start empty and
                # grow fast, and a plan made on an empty table scans the whole table forever
                # after (measured: the inbox check read every row on each batch). Planning
                # each execution with the table as it is costs microseconds.
                connect_args={"options": f"-csearch_path={self.schema} -cplan_cache_mode=force_custom_plan"},
            )
            with engine.begin() as connection:
                connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            return engine
        s.data_dir.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            f"sqlite:///{s.data_dir / f'{self.service}.sqlite3'}",
            connect_args={"timeout": 30, "check_same_thread": False},
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine

    def migrate(self) -> None:
        """The platform's tables and the service's read models brought to the current schema by
        their migrations (ecovid_platform.migrations), at every start."""
        migrations.upgrade(self.engine, self.schema if self.settings.uses_postgres else None,
                           migrations.lines_of(self.service))

    def create_tables(self, *metadata: sa.MetaData) -> None:
        """`migrate`, then whatever table of `metadata` no migration makes: a test's own tables,
        or one added to a read model without its migration (warned: the migration test fails)."""
        self.migrate()
        lines = migrations.lines_of(self.service)
        managed = {name for line in lines for name in line.metadata.tables}
        for md in metadata:
            unmanaged = [table for name, table in md.tables.items() if name not in managed]
            if unmanaged and len(lines) > 1:
                log.warning("tables without a migration", tables=[t.name for t in unmanaged])
            md.create_all(self.engine, tables=unmanaged)

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[Session]:
        """`durable=False` for what may be lost in a database crash because it is written again
        (an outbox position: events are re-published with their ids); it skips the wait for fsync."""
        with self.sessions() as session, session.begin():
            if not durable and self.settings.uses_postgres:
                session.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
            yield session

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the HTTP threads read while a consumer writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
