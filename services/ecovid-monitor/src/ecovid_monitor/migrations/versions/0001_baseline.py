"""Baseline: the monitoring lists, symptoms, past readings and reporting deadlines, as
`create_all` made them before migrations.

Revision ID: ecovid_monitor_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "ecovid_monitor_0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "monitor_patients",
        sa.Column("patient_id", sa.Uuid, primary_key=True),
        sa.Column("last_name", sa.String(200), nullable=False),
        sa.Column("first_name", sa.String(200), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("commune", sa.String(200), nullable=False),
    )
    op.create_table(
        "monitoring_rows",
        sa.Column("episode_id", sa.Uuid, primary_key=True),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("structure_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("hospitalised", sa.Boolean, nullable=False),
        sa.Column("first_symptoms_on", sa.Date),
        sa.Column("general_state", sa.String(10), nullable=False),
        sa.Column("severity", sa.SmallInteger, nullable=False),
        sa.Column("last_reading_at", sa.DateTime(timezone=True)),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("levels", sa.JSON, nullable=False),
        sa.Column("last_name", sa.String(200)),
        sa.Column("first_name", sa.String(200)),
        sa.Column("last_name_key", sa.String(200)),
        sa.Column("first_name_key", sa.String(200)),
        sa.Column("birth_date", sa.Date),
        sa.Column("commune", sa.String(200)),
        sa.Column("commune_key", sa.String(200)),
    )
    op.create_index("ix_monitoring_rows_patient_id", "monitoring_rows", ["patient_id"])
    # The list's own order; SQLite sorts NULLs first already and knows no NULLS FIRST.
    order = ["structure_id", sa.text("severity DESC")]
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_monitoring_rows_order", "monitoring_rows",
                        [*order, sa.text("last_reading_at ASC NULLS FIRST"), "opened_at", "episode_id"])
    else:
        op.create_index("ix_monitoring_rows_order_lite", "monitoring_rows",
                        [*order, "last_reading_at", "opened_at", "episode_id"])
    op.create_index("ix_monitoring_rows_birth", "monitoring_rows", ["structure_id", "birth_date"])
    op.create_index("ix_monitoring_rows_commune", "monitoring_rows", ["structure_id", "commune_key"])
    op.create_index("ix_monitoring_rows_last_name", "monitoring_rows", ["last_name_key"],
                    postgresql_ops={"last_name_key": "text_pattern_ops"})
    op.create_index("ix_monitoring_rows_first_name", "monitoring_rows", ["first_name_key"],
                    postgresql_ops={"first_name_key": "text_pattern_ops"})
    op.create_table(
        "monitoring_symptoms",
        sa.Column("episode_id", sa.Uuid, primary_key=True),
        sa.Column("indicator", sa.String(40), primary_key=True),
    )
    op.create_index("ix_monitoring_symptoms_indicator", "monitoring_symptoms", ["indicator"])
    op.create_table(
        "monitor_readings",
        sa.Column("reading_id", sa.Uuid, primary_key=True),
        sa.Column("episode_id", sa.Uuid, nullable=False),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("values", sa.JSON, nullable=False),
        sa.Column("levels", sa.JSON, nullable=False),
        sa.Column("overall_level", sa.String(10), nullable=False),
    )
    op.create_index("ix_monitor_readings_episode_id", "monitor_readings", ["episode_id"])
    op.create_table(
        "reporting_deadlines",
        sa.Column("episode_id", sa.Uuid, primary_key=True),
        sa.Column("readings_per_day", sa.SmallInteger, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column("in_hospital", sa.Boolean, nullable=False),
    )
    op.create_index("ix_reporting_deadlines_due_at", "reporting_deadlines", ["due_at"])


def downgrade() -> None:
    for table in ("reporting_deadlines", "monitor_readings", "monitoring_symptoms", "monitoring_rows",
                  "monitor_patients"):
        op.drop_table(table)
