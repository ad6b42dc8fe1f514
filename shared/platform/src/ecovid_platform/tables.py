"""Bookkeeping tables of the platform: outbox position, consumer inbox and offsets, projection
positions. Made by the migrations in ecovid_platform/migrations: a change here needs a revision."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Stores UTC, and gives back aware datetimes even from SQLite, which drops offsets."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("naive datetime: store UTC with its offset")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None


platform_metadata = sa.MetaData()

outbox_position = sa.Table(
    "outbox_position",
    platform_metadata,
    sa.Column("relay", sa.String(100), primary_key=True),
    sa.Column("notification_id", sa.BigInteger, nullable=False),
)

# One row per applied event: a re-published event (same id, new offset) is seen as a duplicate.
consumer_inbox = sa.Table(
    "consumer_inbox",
    platform_metadata,
    sa.Column("consumer", sa.String(100), nullable=False),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("applied_at", UTCDateTime, nullable=False),
    # The event id leads: "these ids, for this consumer" is then an index lookup whatever
    # plan PostgreSQL cached. Led by the consumer, a plan made while the table was still
    # empty scanned every row of the consumer on each batch (measured with make bench).
    sa.PrimaryKeyConstraint("event_id", "consumer"),
)

consumer_offsets = sa.Table(
    "consumer_offsets",
    platform_metadata,
    sa.Column("consumer", sa.String(100), primary_key=True),
    sa.Column("topic", sa.String(200), primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True),
    sa.Column("offset", sa.BigInteger, nullable=False),
)

# Per partition, the last record a consumer applied (offset and event id), written with the
# effects: read back, it tells whether the partition is still the one read (ecovid_platform.identity).
consumer_last_applied = sa.Table(
    "consumer_last_applied",
    platform_metadata,
    sa.Column("consumer", sa.String(100), primary_key=True),
    sa.Column("topic", sa.String(200), primary_key=True),
    sa.Column("partition", sa.Integer, primary_key=True),
    sa.Column("offset", sa.BigInteger, nullable=False),
    sa.Column("event_id", sa.String(36), nullable=False),
)

# How far each local projection read the service's notification log (ecovid_platform.projector).
projection_positions = sa.Table(
    "projection_positions",
    platform_metadata,
    sa.Column("projection", sa.String(100), primary_key=True),
    sa.Column("notification_id", sa.BigInteger, nullable=False),
)

# The tamper-evidence chain of the service's notification log (ecovid_platform.chain): per stored
# event, the hash of its content and the chain's hash up to it, SHA-256(previous hash || id ||
# content hash). Written by the service's sealer, in notification order, after the event.
event_chain = sa.Table(
    "event_chain",
    platform_metadata,
    sa.Column("notification_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("content_hash", sa.LargeBinary, nullable=False),
    sa.Column("hash", sa.LargeBinary, nullable=False),
    sa.Column("chained_at", UTCDateTime, nullable=False),
)

# Signed checkpoints of the chain (Ed25519): the chain's hash at a notification id, published on
# `ops.checkpoints` by the service (its position there kept in `outbox_position`).
chain_checkpoints = sa.Table(
    "chain_checkpoints",
    platform_metadata,
    sa.Column("notification_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.LargeBinary, nullable=False),
    sa.Column("signed_at", UTCDateTime, nullable=False),
    sa.Column("key_id", sa.String(64), nullable=False),
    sa.Column("signature", sa.LargeBinary, nullable=False),
)
