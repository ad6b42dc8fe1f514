"""Baseline: the platform's bookkeeping tables as `create_all` made them before migrations,
the inbox still keyed (consumer, event_id).

Revision ID: platform_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "platform_0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "outbox_position",
        sa.Column("relay", sa.String(100), primary_key=True),
        sa.Column("notification_id", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "consumer_inbox",
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="consumer_inbox_pkey"),
    )
    op.create_table(
        "consumer_offsets",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("topic", sa.String(200), primary_key=True),
        sa.Column("partition", sa.Integer, primary_key=True),
        sa.Column("offset", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in ("consumer_offsets", "consumer_inbox", "outbox_position"):
        op.drop_table(table)
