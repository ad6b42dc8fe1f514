"""Baseline: the dossier's identities and the INS linked to patients.

Revision ID: admissions_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "admissions_0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "admission_identities",
        sa.Column("patient_id", sa.Uuid, primary_key=True),
        sa.Column("last_key", sa.String(100), nullable=False),
        sa.Column("first_key", sa.String(100), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
    )
    op.create_index("ix_admission_identities_last_key", "admission_identities", ["last_key"])
    op.create_table(
        "admission_ins_links",
        sa.Column("ins", sa.String(15), primary_key=True),
        sa.Column("patient_id", sa.Uuid, nullable=False),
    )
    op.create_table(
        "admission_stays",
        sa.Column("admission_id", sa.Uuid, primary_key=True),
        sa.Column("finess", sa.String(9), nullable=False),
        sa.Column("hospital_name", sa.String(200)),
        sa.Column("visit_number", sa.String(50), nullable=False),
        sa.Column("patient_id", sa.Uuid),
        sa.Column("unmatched_reason", sa.String(200)),
        sa.Column("identity", sa.JSON, nullable=False),
        sa.Column("birth_date", sa.Date),
        sa.Column("last_movement", sa.String(20)),
        sa.Column("last_movement_at", sa.DateTime(timezone=True)),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_admission_stays_patient_id", "admission_stays", ["patient_id"])
    op.create_index("ix_admission_stays_birth_date", "admission_stays", ["birth_date"])


def downgrade() -> None:
    op.drop_table("admission_stays")
    op.drop_table("admission_ins_links")
    op.drop_table("admission_identities")
