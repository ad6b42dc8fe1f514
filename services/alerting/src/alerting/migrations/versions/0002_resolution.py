"""Alerts resolved when their cause is retracted (a cancelled admission or discharge): when and why.

Revision ID: alerting_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "alerting_0002"
down_revision = "alerting_0001"


def upgrade() -> None:
    op.add_column("alerts", sa.Column("resolved_at", sa.DateTime(timezone=True)))
    op.add_column("alerts", sa.Column("resolution", sa.String(500)))


def downgrade() -> None:
    op.drop_column("alerts", "resolution")
    op.drop_column("alerts", "resolved_at")
