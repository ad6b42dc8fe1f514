"""The directory's search index: structures and professionals.

Revision ID: care_circle_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "care_circle_0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "directory_structures",
        sa.Column("structure_id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("finess", sa.String(9)),
    )
    op.create_table(
        "directory_professionals",
        sa.Column("professional_id", sa.Uuid, primary_key=True),
        sa.Column("first_name", sa.String(200), nullable=False),
        sa.Column("last_name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(400), nullable=False),
        sa.Column("profession", sa.String(20), nullable=False),
        sa.Column("structure_id", sa.Uuid, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_index("ix_directory_professionals_name_key", "directory_professionals", ["name_key"])
    op.create_index("ix_directory_professionals_structure_id", "directory_professionals", ["structure_id"])


def downgrade() -> None:
    op.drop_table("directory_professionals")
    op.drop_table("directory_structures")
