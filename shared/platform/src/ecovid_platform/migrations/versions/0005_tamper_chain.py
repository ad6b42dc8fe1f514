"""The tamper-evidence chain of the service's notification log and its signed checkpoints
(ecovid_platform.chain).

Revision ID: platform_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "platform_0005"
down_revision = "platform_0004"


def upgrade() -> None:
    op.create_table(
        "event_chain",
        sa.Column("notification_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("content_hash", sa.LargeBinary, nullable=False),
        sa.Column("hash", sa.LargeBinary, nullable=False),
        sa.Column("chained_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "chain_checkpoints",
        sa.Column("notification_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary, nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("chain_checkpoints")
    op.drop_table("event_chain")
