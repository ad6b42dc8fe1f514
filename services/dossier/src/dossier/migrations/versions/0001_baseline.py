"""Baseline: the patient search index, care episodes, document list and timeline, as
`create_all` made them before migrations.

Revision ID: dossier_0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "dossier_0001"
down_revision = None

# Byte-order collation on PostgreSQL, so that a btree serves the prefix search.
SearchKey = sa.String(100).with_variant(postgresql.VARCHAR(100, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "patient_index",
        sa.Column("patient_id", sa.Uuid, primary_key=True),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name_key", SearchKey, nullable=False),
        sa.Column("first_name_key", SearchKey, nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("sex", sa.String(10), nullable=False),
        sa.Column("commune", sa.String(100), nullable=False),
    )
    op.create_index("ix_patient_index_search", "patient_index", ["last_name_key", "first_name_key", "birth_date"])
    op.create_table(
        "care_episodes",
        sa.Column("episode_id", sa.Uuid, primary_key=True),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("structure_id", sa.Uuid, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hospitalised", sa.Boolean, nullable=False),
        sa.Column("closed_on", sa.Date),
        sa.Column("readings", sa.Integer, nullable=False),
        sa.Column("last_reading_at", sa.DateTime(timezone=True)),
        sa.Column("last_level", sa.String(10)),
        sa.Column("last_levels", sa.JSON),
    )
    op.create_index("ix_care_episodes_patient_id", "care_episodes", ["patient_id"])
    op.create_table(
        "patient_documents",
        sa.Column("document_id", sa.Uuid, primary_key=True),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_patient_documents_latest", "patient_documents", ["patient_id", "added_at"])
    op.create_table(
        "timeline_entries",
        sa.Column("event_id", sa.Uuid, primary_key=True),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_type", sa.String(60), nullable=False),
        sa.Column("producer", sa.String(60), nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(100)),
        sa.Column("summary", sa.String(300), nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
    )
    op.create_index("ix_timeline_patient_order", "timeline_entries", ["patient_id", "occurred_at", "event_id"])


def downgrade() -> None:
    for table in ("timeline_entries", "patient_documents", "care_episodes", "patient_index"):
        op.drop_table(table)
