"""Schema migrations of the gateway's own tables (sessions and revocations, the audit read
model): alembic scripts in versions/, run at start-up after the platform's."""

import sqlalchemy as sa

from gateway import audit_log, sessions

BASELINE = "gateway_0001"

metadata = sa.MetaData()
for _table in (*sessions.metadata.tables.values(), *audit_log.metadata.tables.values()):
    _table.to_metadata(metadata)

__all__ = ["BASELINE", "metadata"]
