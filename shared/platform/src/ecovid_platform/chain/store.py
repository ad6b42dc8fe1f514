"""Where the chain reads and writes: the event store's rows as content bytes, the chain's links
and checkpoints in the platform's tables (`event_chain`, `chain_checkpoints`).

On PostgreSQL both sides are read in binary format into plain tuples, and the server builds each
stored event's content bytes (`links.content`) in the query: the Python side then only hashes.
On SQLite the rows are read with the event store's own connection and the bytes built here.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ecovid_platform.bulk import insert_rows
from ecovid_platform.chain import links
from ecovid_platform.chain.keys import Checkpoint
from ecovid_platform.storage import Storage
from ecovid_platform.tables import chain_checkpoints, event_chain

# Below any notification id: the first range read starts after it (an inserted row at id 0 or
# below is still read).
LOWEST = -(2**63)

# The same bytes as `links.content`, made by PostgreSQL.
_CONTENT_SQL = (
    "uuid_send(originator_id::uuid) || int8send(originator_version)"
    " || int4send(octet_length(convert_to(coalesce(topic, ''), 'UTF8')))"
    " || convert_to(coalesce(topic, ''), 'UTF8') || coalesce(state, ''::bytea)"
)

Record = tuple[int, bytes]  # (notification id, content)
Link = tuple[int, bytes, bytes]  # (notification id, content hash, hash)


class EventLog:
    """A service's stored events as (notification id, content), in notification order."""

    def __init__(self, app: Any) -> None:
        from eventsourcing.postgres import PostgresDatastore

        self.recorder = app.recorder
        self.datastore = self.recorder.datastore
        self.table = self.recorder.events_table_name
        self.postgres = isinstance(self.datastore, PostgresDatastore)

    def read(self, after: int, limit: int | None = None, up_to: int | None = None) -> list[Record]:
        """The events with after < id (<= up_to), the first `limit` of them."""
        if self.postgres:
            return self._read_postgres(after, limit, up_to)
        return self._read_sqlite(after, limit, up_to)

    def count_after(self, after: int) -> int:
        if self.postgres:
            from psycopg.sql import SQL, Identifier

            statement = SQL("SELECT count(*) FROM {}.{} WHERE notification_id > %s").format(
                Identifier(self.datastore.schema), Identifier(self.table))
            from psycopg.rows import tuple_row

            with self.datastore.get_connection() as connection, connection.cursor(row_factory=tuple_row) as cursor:
                cursor.execute(statement, (after,))
                row = cursor.fetchone()
                return int(row[0]) if row is not None else 0
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT count(*) FROM {self.table} WHERE rowid > ?", (after,))
            return int(cursor.fetchone()[0])

    def _read_postgres(self, after: int, limit: int | None, up_to: int | None) -> list[Record]:
        from psycopg.rows import tuple_row
        from psycopg.sql import SQL, Identifier

        statement = SQL("SELECT notification_id, " + _CONTENT_SQL + " FROM {}.{} WHERE notification_id > %s"
                        " AND notification_id <= %s ORDER BY notification_id LIMIT %s").format(
            Identifier(self.datastore.schema), Identifier(self.table))
        with self.datastore.get_connection() as connection, \
                connection.cursor(binary=True, row_factory=tuple_row) as rows:
            rows.execute(statement, (after, up_to if up_to is not None else 2**63 - 1, limit), prepare=True)
            return rows.fetchall()  # type: ignore[no-any-return]

    def _read_sqlite(self, after: int, limit: int | None, up_to: int | None) -> list[Record]:
        statement = f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.table} WHERE rowid > ?"
        params: list[Any] = [after]
        if up_to is not None:
            statement += " AND rowid <= ?"
            params.append(up_to)
        statement += " ORDER BY rowid"
        if limit is not None:
            statement += " LIMIT ?"
            params.append(limit)
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, params)
            return [(row[0], _sqlite_content(row[1], row[2], row[3], row[4])) for row in cursor.fetchall()]


def _sqlite_content(originator: Any, version: Any, topic: Any, state: Any) -> bytes:
    """`links.content` of a SQLite row, whose columns may hold anything (SQLite does not type
    them): a value of the wrong type still gives bytes, which then match no sealed content."""
    try:
        originator_id = uuid.UUID(hex=originator) if isinstance(originator, str) else originator
        return links.content(originator_id, version, topic, state)
    except (ValueError, TypeError, AttributeError, struct.error):
        return b"\xff" + repr((originator, version, topic, state)).encode()


class ChainStore:
    """The chain's links and checkpoints, in the service's platform tables."""

    def __init__(self, storage: Storage, service: str | None = None) -> None:
        self.storage = storage
        self.service = service or storage.service
        self.postgres = storage.settings.uses_postgres

    def head(self) -> Link | None:
        c = event_chain.c
        with self.storage.transaction() as session:
            row = session.execute(sa.select(c.notification_id, c.content_hash, c.hash)
                                  .order_by(c.notification_id.desc()).limit(1)).first()
        return (row[0], bytes(row[1]), bytes(row[2])) if row is not None else None

    def links(self, after: int, limit: int) -> list[Link]:
        if self.postgres:
            with self.storage.engine.connect() as connection:
                driver = connection.connection.driver_connection
                assert driver is not None
                with driver.cursor(binary=True) as rows:
                    rows.execute("SELECT notification_id, content_hash, hash FROM event_chain"
                                 " WHERE notification_id > %s ORDER BY notification_id LIMIT %s",
                                 (after, limit), prepare=True)
                    return rows.fetchall()  # type: ignore[no-any-return]
        c = event_chain.c
        with self.storage.transaction() as session:
            found = session.execute(sa.select(c.notification_id, c.content_hash, c.hash)
                                    .where(c.notification_id > after).order_by(c.notification_id).limit(limit))
            return [(row[0], bytes(row[1]), bytes(row[2])) for row in found]

    def holding(self, content_hash: bytes) -> list[int]:
        """The ids whose sealed content has this hash (a scan: only asked when something is wrong)."""
        c = event_chain.c
        with self.storage.transaction() as session:
            return list(session.execute(sa.select(c.notification_id).where(c.content_hash == content_hash)
                                        .order_by(c.notification_id)).scalars())

    def link_at(self, notification_id: int) -> Link | None:
        c = event_chain.c
        with self.storage.transaction() as session:
            row = session.execute(sa.select(c.notification_id, c.content_hash, c.hash)
                                  .where(c.notification_id == notification_id)).first()
        return (row[0], bytes(row[1]), bytes(row[2])) if row is not None else None

    def count(self, after: int = LOWEST) -> int:
        with self.storage.transaction() as session:
            return int(session.execute(sa.select(sa.func.count()).select_from(event_chain)
                                       .where(event_chain.c.notification_id > after)).scalar_one())

    def append(self, session: Any, new: Sequence[Link], chained_at: datetime,
               checkpoint: Checkpoint | None = None) -> None:
        insert_rows(session, event_chain, [
            {"notification_id": i, "content_hash": digest, "hash": chain_hash, "chained_at": chained_at}
            for i, digest, chain_hash in new])
        if checkpoint is not None:
            session.execute(chain_checkpoints.insert().values(
                notification_id=checkpoint.notification_id, hash=checkpoint.hash, signed_at=checkpoint.signed_at,
                key_id=checkpoint.key_id, signature=checkpoint.signature))

    def checkpoints(self, after: int = LOWEST) -> list[Checkpoint]:
        c = chain_checkpoints.c
        with self.storage.transaction() as session:
            rows = session.execute(sa.select(chain_checkpoints).where(c.notification_id > after)
                                   .order_by(c.notification_id)).all()
        return [Checkpoint(self.service, row.notification_id, bytes(row.hash), row.signed_at, row.key_id,
                           bytes(row.signature)) for row in rows]

    def last_checkpoint(self) -> Checkpoint | None:
        c = chain_checkpoints.c
        with self.storage.transaction() as session:
            row = session.execute(sa.select(chain_checkpoints).order_by(c.notification_id.desc()).limit(1)).first()
        if row is None:
            return None
        return Checkpoint(self.service, row.notification_id, bytes(row.hash), row.signed_at, row.key_id,
                          bytes(row.signature))
