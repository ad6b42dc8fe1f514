"""Many rows into one table in one go: what a handler applying a run of events inserts.

PostgreSQL: one COPY stream. An executemany sends one INSERT per row (pipelined, but each
with its parameters bound, sent and answered); COPY sends rows only, several times cheaper
for the client, which is what limits a rebuild. Each value first goes through its column
type's bind processing, as in an INSERT (aware UTC datetimes, JSON), so the rows are the same.
SQLite, or a column with a Python-side default left out: the executemany.

The table's schema follows the session's `schema_translate_map` (`session.info`), as a
statement's would: a rebuild's shadow session writes to the shadow tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

# session.info key: the schema translation the session applies to its statements.
SCHEMA_MAP = "schema_translate_map"


def insert_rows(session: Any, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (same keys in each) into `table`, in the session's transaction."""
    if not rows:
        return
    names = list(rows[0])
    connection: sa.Connection = session.connection()
    if connection.dialect.name != "postgresql" or _python_defaults(table, names):
        session.execute(table.insert(), list(rows))
        return
    dialect = connection.dialect
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    processed = [(i, process) for i, process in enumerate(processors) if process is not None]
    quote = dialect.identifier_preparer.quote
    sql = f"COPY {_target(session, connection, table)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            values = [row[name] for name in names]
            for i, process in processed:
                values[i] = process(values[i])
            copy.write_row(values)


def _python_defaults(table: sa.Table, names: list[str]) -> bool:
    """A column left out whose default SQLAlchemy computes (COPY would leave it to the database)."""
    return any(column.default is not None for column in table.columns if column.name not in names)


def _target(session: Any, connection: sa.Connection, table: sa.Table) -> str:
    translate = {**connection.get_execution_options().get("schema_translate_map", {}),
                 **session.info.get(SCHEMA_MAP, {})}
    schema = translate.get(table.schema, table.schema)
    preparer = connection.dialect.identifier_preparer
    name = preparer.quote(table.name)
    return f"{preparer.quote_schema(schema)}.{name}" if schema else name
