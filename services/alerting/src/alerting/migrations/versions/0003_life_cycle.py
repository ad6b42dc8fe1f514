"""Issue 11: the alert list follows the whole life cycle (occurrences, escalation, resolution),
each alert has its recipients and each recipient their read marks, the care circle keeps
roles, and `seq` orders the list for keyset paging.

After alerting_0002 (resolution of retracted stays: `resolved_at`, `resolution`): `resolved_at`
is kept; the hospital's free-text `resolution` becomes `resolution_note` with the reason
`cancelled_by_hospital`, as the one AlertResolved of the life cycle now says it.

Alerts listed before this get `seq` in the order they were raised, and every member of
their patient's circle as recipients (what the list showed them before).

Revision ID: alerting_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "alerting_0003"
down_revision = "alerting_0002"


def upgrade() -> None:
    with op.batch_alter_table("alerts") as table:
        table.add_column(sa.Column("episode_id", sa.Uuid))
        table.add_column(sa.Column("occurrences", sa.Integer, nullable=False, server_default="1"))
        table.add_column(sa.Column("updated_at", sa.DateTime(timezone=True)))
        table.add_column(sa.Column("escalation_step", sa.Integer, nullable=False, server_default="0"))
        table.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True)))
        table.add_column(sa.Column("resolved_by", sa.String(100)))
        table.add_column(sa.Column("resolution_reason", sa.String(30)))
        table.add_column(sa.Column("resolution_note", sa.String(500)))
        table.add_column(sa.Column("seq", sa.BigInteger))
        table.add_column(sa.Column("failed_notifications", sa.Integer, nullable=False, server_default="0"))
    op.execute(
        "UPDATE alerts SET resolved_by = 'hospital', resolution_reason = 'cancelled_by_hospital', "
        "resolution_note = resolution WHERE resolution IS NOT NULL"
    )
    with op.batch_alter_table("alerts") as table:
        table.drop_column("resolution")
    alerts = sa.table("alerts", sa.column("alert_id", sa.Uuid), sa.column("raised_at"), sa.column("seq"))
    numbered = sa.select(alerts.c.alert_id, sa.func.row_number().over(
        order_by=(alerts.c.raised_at, alerts.c.alert_id)).label("n")).subquery()
    op.execute(alerts.update().values(seq=sa.select(numbered.c.n).where(
        numbered.c.alert_id == alerts.c.alert_id).scalar_subquery()))
    with op.batch_alter_table("alerts") as table:
        table.alter_column("seq", existing_type=sa.BigInteger, nullable=False)
        table.create_unique_constraint("uq_alerts_seq", ["seq"])
    with op.batch_alter_table("circle_members") as table:
        table.add_column(sa.Column("role", sa.String(100)))
    op.create_table(
        "alert_recipients",
        sa.Column("alert_id", sa.Uuid, primary_key=True),
        sa.Column("professional_id", sa.Uuid, primary_key=True),
    )
    op.create_index("ix_alert_recipients_professional_id", "alert_recipients", ["professional_id"])
    op.execute(
        "INSERT INTO alert_recipients (alert_id, professional_id) "
        "SELECT a.alert_id, m.professional_id FROM alerts a JOIN circle_members m ON m.patient_id = a.patient_id"
    )
    op.create_table(
        "alert_reads",
        sa.Column("alert_id", sa.Uuid, primary_key=True),
        sa.Column("professional_id", sa.Uuid, primary_key=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "notifications",
        sa.Column("alert_id", sa.Uuid, primary_key=True),
        sa.Column("recipient_id", sa.Uuid, primary_key=True),
        sa.Column("channel", sa.String(10), primary_key=True),
        sa.Column("step", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("role", sa.String(100)),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.String(500)),
        sa.Column("resent", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_notifications_status", "notifications", ["status"])
    op.create_table(
        "notification_preferences",
        sa.Column("professional_id", sa.Uuid, primary_key=True),
        sa.Column("email", sa.Boolean, nullable=False),
        sa.Column("sms", sa.Boolean, nullable=False),
        sa.Column("phone", sa.String(20)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "escalation_deadlines",
        sa.Column("alert_id", sa.Uuid, primary_key=True),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_escalation_deadlines_due_at", "escalation_deadlines", ["due_at"])
    op.create_table(
        "alert_feed",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("alert_id", sa.Uuid, nullable=False),
        sa.Column("patient_id", sa.Uuid, nullable=False),
        sa.Column("event_type", sa.String(30), nullable=False),
        sa.Column("event", sa.Text, nullable=False),
    )
    op.create_index("ix_alert_feed_alert_id", "alert_feed", ["alert_id"])


def downgrade() -> None:
    op.drop_table("alert_feed")
    op.drop_table("escalation_deadlines")
    op.drop_table("notification_preferences")
    op.drop_table("notifications")
    op.drop_table("alert_reads")
    op.drop_table("alert_recipients")
    with op.batch_alter_table("circle_members") as table:
        table.drop_column("role")
    with op.batch_alter_table("alerts") as table:
        table.add_column(sa.Column("resolution", sa.String(500)))
    op.execute(
        "UPDATE alerts SET resolution = COALESCE(resolution_note, resolution_reason) "
        "WHERE resolution_reason IS NOT NULL"
    )
    with op.batch_alter_table("alerts") as table:
        table.drop_constraint("uq_alerts_seq", type_="unique")
        for name in ("failed_notifications", "seq", "resolution_note", "resolution_reason", "resolved_by",
                     "escalated_at", "escalation_step", "updated_at", "occurrences", "episode_id"):
            table.drop_column(name)
