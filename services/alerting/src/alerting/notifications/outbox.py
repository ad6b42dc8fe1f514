"""The notification outbox: one row per (alert, recipient, channel, step), planned from
alerting's own events in the same transaction as the planner's position.

Not a read model: no rebuild replays it (a rebuild sends nothing), and a planner that
replays events (a lost position) finds the rows already there, or skips alerts older
than `max_age` (they would be news to nobody). Each row moves
pending -> sending -> sent | failed; `sending` is written and committed before the
provider is called, so a row found `sending` after a crash is one whose fate is unknown.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ecovid_events.alerting import AlertEscalated, AlertRaised
from ecovid_platform.consumer import Projects
from ecovid_platform.projector import Projection
from ecovid_platform.tables import UTCDateTime

from alerting.read_models import circle_members, metadata

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("alert_id", sa.Uuid, primary_key=True),
    sa.Column("recipient_id", sa.Uuid, primary_key=True),
    sa.Column("channel", sa.String(10), primary_key=True),
    sa.Column("step", sa.Integer, primary_key=True),
    sa.Column("patient_id", sa.Uuid, nullable=False),
    sa.Column("role", sa.String(100)),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("level", sa.String(10), nullable=False),
    sa.Column("summary", sa.String(500), nullable=False),
    sa.Column("status", sa.String(10), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("planned_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("last_error", sa.String(500)),
    # Sent again once because a crash left it `sending` (the provider may have it twice).
    sa.Column("resent", sa.Boolean, nullable=False, server_default=sa.false()),
)

preferences = sa.Table(
    "notification_preferences",
    metadata,
    sa.Column("professional_id", sa.Uuid, primary_key=True),
    sa.Column("email", sa.Boolean, nullable=False),
    sa.Column("sms", sa.Boolean, nullable=False),
    sa.Column("phone", sa.String(20)),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

DEFAULT_PREFERENCES = {"email": True, "sms": False, "phone": None}


def preferences_of(session: Session, professional_id: uuid.UUID) -> dict[str, Any]:
    row = session.execute(sa.select(preferences).where(preferences.c.professional_id == professional_id)).first()
    if row is None:
        return dict(DEFAULT_PREFERENCES)
    return {"email": row.email, "sms": row.sms, "phone": row.phone}


def set_preferences(session: Session, professional_id: uuid.UUID, wanted: dict[str, Any]) -> None:
    values = {**wanted, "updated_at": datetime.now(UTC)}
    done = session.execute(preferences.update().where(preferences.c.professional_id == professional_id)
                           .values(**values))
    if done.rowcount == 0:
        session.execute(preferences.insert().values(professional_id=professional_id, **values))


def planner(max_age: timedelta, now: Any = None) -> Projection:
    clock = now or (lambda: datetime.now(UTC))

    def raised(session: Session, event: AlertRaised) -> None:
        p = event.payload
        plan(session, p.alert_id, event.patient_id, p.recipients, 0, p.kind, p.level, p.summary,
             p.raised_at, clock(), max_age)

    def escalated(session: Session, event: AlertEscalated) -> None:
        escalation_planned(session, event, event.payload.recipients, clock(), max_age)

    return Projection("alerting.notification-plan", {
        "AlertRaised": Projects(raised), "AlertEscalated": Projects(escalated),
    })


def plan(
    session: Session, alert_id: uuid.UUID, patient_id: uuid.UUID, recipients: list[uuid.UUID], step: int,
    kind: str, level: str, summary: str, occurred_at: datetime, now: datetime, max_age: timedelta,
) -> int:
    """A row per recipient and channel they want; none for an event older than `max_age`."""
    if now - occurred_at > max_age:
        return 0
    members = sa.select(circle_members.c.professional_id, circle_members.c.role).where(
        circle_members.c.patient_id == patient_id)
    roles = {row.professional_id: row.role for row in session.execute(members)}
    planned = 0
    for recipient in recipients:
        wanted = preferences_of(session, recipient)
        for channel in ("email", "sms"):
            if not wanted[channel]:
                continue
            key = {"alert_id": alert_id, "recipient_id": recipient, "channel": channel, "step": step}
            if session.execute(sa.select(notifications.c.status).filter_by(**key)).first() is not None:
                continue  # planned already: a replayed event
            session.execute(notifications.insert().values(
                **key, patient_id=patient_id, role=roles.get(recipient), kind=kind, level=level,
                summary=summary, status="pending", attempts=0, next_attempt_at=now, planned_at=now,
            ))
            planned += 1
    return planned


def escalation_planned(session: Session, event: AlertEscalated, recipients: list[uuid.UUID], now: datetime,
                       max_age: timedelta) -> int:
    row = session.execute(sa.select(notifications).where(notifications.c.alert_id == event.payload.alert_id)
                          .limit(1)).first()
    kind, level, summary = (row.kind, row.level, row.summary) if row else ("threshold", "alert", "")
    return plan(session, event.payload.alert_id, event.patient_id, recipients, event.payload.step, kind, level,
                summary, event.payload.escalated_at, now, max_age)
