"""The last record each consumer applied per partition, offset and event id: read back, it
tells a re-created topic (numbered from 0 again) from the one the consumer read
(ecovid_platform.identity).

Revision ID: platform_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "platform_0004"
down_revision = "platform_0003"


def upgrade() -> None:
    op.create_table(
        "consumer_last_applied",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("topic", sa.String(200), primary_key=True),
        sa.Column("partition", sa.Integer, primary_key=True),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("consumer_last_applied")
