"""Baseline: each patient's document list, as `create_all` made it before migrations.

Revision ID: documents_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "documents_0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("document_id", sa.Uuid, primary_key=True),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_documents_patient_added", "documents", ["patient_id", "added_at"])


def downgrade() -> None:
    op.drop_table("documents")
