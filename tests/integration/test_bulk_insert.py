"""`ecovid_platform.bulk.insert_rows` on PostgreSQL (COPY) stores exactly what an INSERT of the
same rows stores, into the shadow tables from a rebuild's session, and falls back to the INSERT
where COPY would differ (a Python-side default left out); on SQLite it is the INSERT."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ecovid_platform.bulk import insert_rows
from ecovid_platform.rebuild.shadow import Shadow
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage
from ecovid_platform.tables import UTCDateTime

from tests.integration.support import create_database, drop_database

md = sa.MetaData()
# Every kind of column the read models COPY into; "values" is an SQL keyword (quoted).
table = sa.Table(
    "bulk_readings", md,
    sa.Column("reading_id", sa.Uuid, primary_key=True),
    sa.Column("taken_at", UTCDateTime, nullable=False),
    sa.Column("values", sa.JSON, nullable=False),
    sa.Column("note", sa.String(50)),
    sa.Column("flagged", sa.Boolean, nullable=False, default=False),
)
PARIS = timezone(timedelta(hours=2))


def rows(count: int = 40) -> list[dict[str, Any]]:
    return [{
        "reading_id": uuid.uuid4(),
        # Not UTC: the column's bind processing turns it to UTC in both paths.
        "taken_at": datetime(2026, 11, 30, 20, 15, 7, 123456, tzinfo=PARIS) + timedelta(minutes=i),
        "values": {"temperature": 38.25 + i, "spo2": 94, "cough": True, "comment": "Héloïse\t\"é\"\n\\",
                   "nested": {"none": None, "list": [1, 2.5, "x"]}},
        "note": None if i % 3 else f"tab\there, newline\nthere, backslash \\ {i}",
        "flagged": bool(i % 2),
    } for i in range(count)]


@pytest.fixture(params=["sqlite", "postgresql"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    if request.param == "sqlite":
        yield Storage("bulk-test", ServiceSettings(data_dir=tmp_path))
        return
    database = create_database()
    try:
        yield Storage("bulk-test", ServiceSettings(data_dir=tmp_path, **database))
    finally:
        drop_database(database)


def stored(storage: Storage, as_text: bool = False) -> list[tuple[Any, ...]]:
    """Every row; `as_text`: as the database prints it (the JSON exactly as stored)."""
    columns = [sa.cast(c, sa.Text) for c in table.columns] if as_text else list(table.columns)
    with storage.engine.connect() as connection:
        return sorted(tuple(r) for r in connection.execute(sa.select(*columns)))


def test_bulk_rows_are_the_rows_an_insert_stores(storage: Storage) -> None:
    md.create_all(storage.engine)
    given = rows()
    with storage.transaction() as session:
        session.execute(table.insert(), given)
    inserted, inserted_text = stored(storage), stored(storage, as_text=True)
    with storage.transaction() as session:
        session.execute(table.delete())
        insert_rows(session, table, given)
        insert_rows(session, table, [])
    assert stored(storage) == inserted
    assert stored(storage, as_text=True) == inserted_text
    assert inserted[0][1].utcoffset() == timedelta(0)


def test_a_python_side_default_left_out_is_applied(storage: Storage) -> None:
    md.create_all(storage.engine)
    given = [{k: v for k, v in row.items() if k != "flagged"} for row in rows(5)]
    with storage.transaction() as session:
        insert_rows(session, table, given)
    assert [row[4] for row in stored(storage)] == [False] * 5


def test_a_shadow_session_copies_into_the_shadow_table(storage: Storage) -> None:
    md.create_all(storage.engine)
    shadow = Shadow(storage, [table])
    shadow.create()
    try:
        with shadow.batch() as session:
            insert_rows(session, table, rows(7))
        with shadow.batch() as session:
            in_shadow = session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        assert (in_shadow, stored(storage)) == (7, [])
    finally:
        shadow.drop()
