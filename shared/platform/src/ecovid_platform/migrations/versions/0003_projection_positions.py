"""Positions of the local projections in the service's notification log (ecovid_platform.projector).
The projector made this table itself for a while: a database that has it keeps it.

Revision ID: platform_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "platform_0003"
down_revision = "platform_0002"


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("projection_positions"):
        return
    op.create_table(
        "projection_positions",
        sa.Column("projection", sa.String(100), primary_key=True),
        sa.Column("notification_id", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("projection_positions")
