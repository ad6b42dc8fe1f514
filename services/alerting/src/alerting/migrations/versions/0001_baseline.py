"""Baseline: the alert list and the care circles, as `create_all` made them before migrations.

Revision ID: alerting_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "alerting_0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("alert_id", sa.Uuid, primary_key=True),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("reading_id", sa.Uuid),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.Column("acknowledged_by", sa.String(100)),
    )
    op.create_index("ix_alerts_patient_id", "alerts", ["patient_id"])
    op.create_index("ix_alerts_status", "alerts", ["status"])
    op.create_table(
        "circle_members",
        sa.Column("patient_id", sa.Uuid, primary_key=True),
        sa.Column("professional_id", sa.Uuid, primary_key=True),
    )
    op.create_index("ix_circle_members_professional_id", "circle_members", ["professional_id"])


def downgrade() -> None:
    op.drop_table("circle_members")
    op.drop_table("alerts")
