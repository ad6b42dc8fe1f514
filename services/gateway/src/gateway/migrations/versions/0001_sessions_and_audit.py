"""Refresh tokens, revocations (logout, deactivation) and the audit read model.

Revision ID: gateway_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "gateway_0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "gateway_refresh_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("subject_id", sa.Uuid, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("structure_id", sa.Uuid),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
    )
    op.create_index("ix_gateway_refresh_tokens_subject_id", "gateway_refresh_tokens", ["subject_id"])
    op.create_table(
        "gateway_revocations",
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("value", sa.String(64), primary_key=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "audit_accesses",
        sa.Column("access_id", sa.Uuid, primary_key=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(100)),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("route", sa.String(500), nullable=False),
        sa.Column("status_code", sa.SmallInteger, nullable=False),
        sa.Column("granted", sa.Boolean, nullable=False),
        sa.Column("address", sa.String(64)),
        sa.Column("correlation_id", sa.String(100), nullable=False),
    )
    for column in ("occurred_at", "patient_id", "actor_id"):
        op.create_index(f"ix_audit_accesses_{column}", "audit_accesses", [column])


def downgrade() -> None:
    op.drop_table("audit_accesses")
    op.drop_table("gateway_revocations")
    op.drop_table("gateway_refresh_tokens")
