"""Read models of alerting: the alert list with each alert's recipients, and each patient's
care circle with the members' roles (who is told). Beside them, the recipients' read marks:
a recipient's own doing, not derived from events, so no rebuild touches them."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ecovid_events import topics
from ecovid_events.alerting import (
    AlertAcknowledged,
    AlertEscalated,
    AlertRaised,
    AlertResolved,
    AlertUpdated,
    NotificationFailed,
)
from ecovid_events.care_circle import CareTeamMemberAdded, CareTeamMemberRemoved
from ecovid_platform.bulk import insert_rows
from ecovid_platform.consumer import Projects
from ecovid_platform.projector import Projection
from ecovid_platform.rebuild import Consumed, ReadModel
from ecovid_platform.tables import UTCDateTime

metadata = sa.MetaData()

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("alert_id", sa.Uuid, primary_key=True),
    sa.Column("patient_id", sa.Uuid, nullable=False, index=True),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("level", sa.String(10), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("summary", sa.String(500), nullable=False),
    sa.Column("reading_id", sa.Uuid),
    sa.Column("raised_at", UTCDateTime, nullable=False),
    sa.Column("acknowledged_at", UTCDateTime),
    sa.Column("acknowledged_by", sa.String(100)),
    sa.Column("episode_id", sa.Uuid),
    sa.Column("occurrences", sa.Integer, nullable=False, server_default="1"),
    sa.Column("updated_at", UTCDateTime),
    sa.Column("escalation_step", sa.Integer, nullable=False, server_default="0"),
    sa.Column("escalated_at", UTCDateTime),
    sa.Column("resolved_at", UTCDateTime),
    sa.Column("resolved_by", sa.String(100)),
    sa.Column("resolution_reason", sa.String(30)),
    sa.Column("resolution_note", sa.String(500)),
    # Order in which the list learnt of the alert (1, 2, ...): the key of `before=` paging.
    # Given by the one projector in notification-log order, so a page read while alerts
    # arrive sees a prefix of it: newer alerts land above every cursor, never inside a page.
    sa.Column("failed_notifications", sa.Integer, nullable=False, server_default="0"),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("seq", name="uq_alerts_seq"),
)

alert_recipients = sa.Table(
    "alert_recipients",
    metadata,
    sa.Column("alert_id", sa.Uuid, primary_key=True),
    sa.Column("professional_id", sa.Uuid, primary_key=True, index=True),
)

# Every change of every alert, in the order the list learnt of it: the live feed (SSE) reads it
# after a position (`seq`, the events' `id:`), so a client resuming misses nothing.
alert_feed = sa.Table(
    "alert_feed",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("alert_id", sa.Uuid, nullable=False, index=True),
    sa.Column("patient_id", sa.Uuid, nullable=False),
    sa.Column("event_type", sa.String(30), nullable=False),
    sa.Column("event", sa.Text, nullable=False),
)

alert_reads = sa.Table(
    "alert_reads",
    metadata,
    sa.Column("alert_id", sa.Uuid, primary_key=True),
    sa.Column("professional_id", sa.Uuid, primary_key=True),
    sa.Column("read_at", UTCDateTime, nullable=False),
)

circle_members = sa.Table(
    "circle_members",
    metadata,
    sa.Column("patient_id", sa.Uuid, primary_key=True),
    sa.Column("professional_id", sa.Uuid, primary_key=True, index=True),
    sa.Column("role", sa.String(100)),
)


def alert_raised(session: Session, event: AlertRaised) -> None:
    alerts_raised(session, [event])


def alerts_raised(session: Session, events: list[AlertRaised]) -> None:
    """A run of raised alerts in one go (a COPY on PostgreSQL)."""
    last = session.execute(sa.select(sa.func.max(alerts.c.seq))).scalar() or 0
    insert_rows(session, alert_recipients, [
        {"alert_id": e.payload.alert_id, "professional_id": professional_id}
        for e in events for professional_id in e.payload.recipients
    ])
    insert_rows(session, alerts, [{
        "seq": last + n,
        "alert_id": e.payload.alert_id, "patient_id": e.patient_id, "kind": e.payload.kind,
        "level": e.payload.level, "status": "raised", "summary": e.payload.summary,
        "raised_at": e.payload.raised_at, "reading_id": e.payload.reading_id,
        "episode_id": e.payload.episode_id, "occurrences": 1, "escalation_step": 0, "failed_notifications": 0,
    } for n, e in enumerate(events, start=1)])
    _feed(session, events)


def _feed(session: Session, events: list[Any]) -> None:
    last = session.execute(sa.select(sa.func.max(alert_feed.c.seq))).scalar() or 0
    insert_rows(session, alert_feed, [{
        "seq": last + n, "alert_id": e.payload.alert_id, "patient_id": e.patient_id,
        "event_type": e.event_type, "event": e.model_dump_json(),
    } for n, e in enumerate(events, start=1)])


def feed(session: Session, recipient: uuid.UUID, after: int, limit: int) -> dict[str, Any]:
    """The changes after `after` of the alerts `recipient` was told of (while in the circle),
    oldest first, and the feed's end (where a new client starts)."""
    f = alert_feed.c
    rows = session.execute(sa.select(f.seq, f.event_type, f.event).where(
        f.seq > after,
        f.alert_id.in_(sa.select(alert_recipients.c.alert_id).where(alert_recipients.c.professional_id == recipient)),
        f.patient_id.in_(sa.select(circle_members.c.patient_id).where(circle_members.c.professional_id == recipient)),
    ).order_by(f.seq).limit(limit)).all()
    end = session.execute(sa.select(sa.func.max(f.seq))).scalar() or 0
    return {"items": [{"seq": r.seq, "event_type": r.event_type, "event": r.event} for r in rows], "end": end}


def alert_updated(session: Session, event: AlertUpdated) -> None:
    p = event.payload
    session.execute(alerts.update().where(alerts.c.alert_id == p.alert_id).values(
        occurrences=p.occurrences, level=p.level, summary=p.summary, reading_id=p.reading_id,
        updated_at=p.updated_at,
    ))
    _feed(session, [event])


def alert_escalated(session: Session, event: AlertEscalated) -> None:
    p = event.payload
    told = set(session.execute(sa.select(alert_recipients.c.professional_id).where(
        alert_recipients.c.alert_id == p.alert_id)).scalars())
    insert_rows(session, alert_recipients, [{"alert_id": p.alert_id, "professional_id": r}
                                            for r in p.recipients if r not in told])
    session.execute(alerts.update().where(alerts.c.alert_id == p.alert_id).values(
        status="escalated", escalation_step=p.step, escalated_at=p.escalated_at,
    ))
    _feed(session, [event])


def alert_resolved(session: Session, event: AlertResolved) -> None:
    p = event.payload
    session.execute(alerts.update().where(alerts.c.alert_id == p.alert_id).values(
        status="resolved", resolved_at=p.resolved_at, resolved_by=p.resolved_by,
        resolution_reason=p.reason, resolution_note=p.note,
    ))
    _feed(session, [event])


def alert_acknowledged(session: Session, event: AlertAcknowledged) -> None:
    p = event.payload
    session.execute(alerts.update().where(alerts.c.alert_id == p.alert_id).values(
        status="acknowledged", acknowledged_at=p.acknowledged_at, acknowledged_by=p.acknowledged_by,
    ))
    _feed(session, [event])


def notification_failed(session: Session, event: NotificationFailed) -> None:
    session.execute(alerts.update().where(alerts.c.alert_id == event.payload.alert_id).values(
        failed_notifications=alerts.c.failed_notifications + 1))
    _feed(session, [event])


def member_added(session: Session, event: CareTeamMemberAdded) -> None:
    key = {"patient_id": event.patient_id, "professional_id": event.payload.professional_id}
    exists = session.execute(sa.select(circle_members).filter_by(**key)).first()
    if exists is None:
        session.execute(circle_members.insert().values(**key, role=event.payload.role))
    else:
        session.execute(circle_members.update().filter_by(**key).values(role=event.payload.role))


def member_removed(session: Session, event: CareTeamMemberRemoved) -> None:
    session.execute(circle_members.delete().where(
        circle_members.c.patient_id == event.patient_id,
        circle_members.c.professional_id == event.payload.professional_id,
    ))


def members_of(session: Session, patient_id: uuid.UUID) -> list[tuple[uuid.UUID, str | None]]:
    rows = session.execute(sa.select(circle_members.c.professional_id, circle_members.c.role).where(
        circle_members.c.patient_id == patient_id))
    return [(row.professional_id, row.role) for row in rows]


class BadCursor(ValueError):
    """A `before=` that this list did not give."""


def cursor(seq: int) -> str:
    """Opaque to callers: only given back as it was."""
    return base64.urlsafe_b64encode(f"a1:{seq}".encode()).decode().rstrip("=")


def _seq(before: str) -> int:
    try:
        text = base64.urlsafe_b64decode(before + "=" * (-len(before) % 4)).decode()
        tag, seq = text.split(":")
        if tag != "a1" or not seq.isdigit() or len(seq) > 18:
            raise ValueError(text)
        return int(seq)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadCursor("not a cursor this list gave") from None


def list_alerts(
    session: Session,
    *,
    patient_id: uuid.UUID | None = None,
    status: str | None = None,
    recipient: uuid.UUID | None = None,
    reader: uuid.UUID | None = None,
    kind: str | None = None,
    level: str | None = None,
    unread: bool | None = None,
    before: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first; the cursor of the next page when this one is full. `recipient`: only the
    alerts they were told of; `reader` (default: the recipient): whose `read` marks are shown
    and filtered by `unread`."""
    query = sa.select(alerts).order_by(alerts.c.seq.desc())
    for column, value in ((alerts.c.patient_id, patient_id), (alerts.c.status, status),
                          (alerts.c.kind, kind), (alerts.c.level, level)):
        if value is not None:
            query = query.where(column == value)
    if before is not None:
        query = query.where(alerts.c.seq < _seq(before))
    if recipient is not None:
        # Told of it, and still in the patient's circle: a member removed since sees it no more.
        query = query.where(alerts.c.alert_id.in_(sa.select(alert_recipients.c.alert_id).where(
            alert_recipients.c.professional_id == recipient)))
        query = query.where(alerts.c.patient_id.in_(sa.select(circle_members.c.patient_id).where(
            circle_members.c.professional_id == recipient)))
    reader = reader or recipient
    if reader is not None:
        read = sa.exists().where(alert_reads.c.alert_id == alerts.c.alert_id,
                                 alert_reads.c.professional_id == reader)
        query = query.add_columns(read.label("read"))
        if unread is not None:
            query = query.where(~read if unread else read)
    rows = session.execute(query.limit(limit).offset(offset)).all()
    page = [_alert(row._mapping) for row in rows]
    return page, (cursor(rows[-1].seq) if len(rows) == limit else None)


def mark_read(session: Session, alert_id: uuid.UUID, professional_id: uuid.UUID, at: datetime) -> None:
    key = {"alert_id": alert_id, "professional_id": professional_id}
    if session.execute(sa.select(alert_reads.c.alert_id).filter_by(**key)).first() is None:
        session.execute(alert_reads.insert().values(**key, read_at=at))


def _alert(row: Any) -> dict[str, Any]:
    return {
        "id": str(row["alert_id"]),
        "kind": row["kind"],
        "level": row["level"],
        "patient_id": str(row["patient_id"]),
        "status": row["status"],
        "summary": row["summary"],
        "reading_id": str(row["reading_id"]) if row["reading_id"] else None,
        "raised_at": row["raised_at"].isoformat(),
        "acknowledged_at": row["acknowledged_at"].isoformat() if row["acknowledged_at"] else None,
        "acknowledged_by": row["acknowledged_by"],
        "episode_id": str(row["episode_id"]) if row["episode_id"] else None,
        "occurrences": row["occurrences"],
        "updated_at": _iso(row["updated_at"]),
        "escalation_step": row["escalation_step"],
        "escalated_at": _iso(row["escalated_at"]),
        "resolved_at": _iso(row["resolved_at"]),
        "resolved_by": row["resolved_by"],
        "resolution_reason": row["resolution_reason"],
        "resolution_note": row["resolution_note"],
        "failed_notifications": row["failed_notifications"],
        **({"read": bool(row["read"])} if "read" in row else {}),
    }


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def read_models() -> list[ReadModel]:
    """The alert list comes from alerting's own events (its notification log); the care
    circles from care-circle's topic."""
    return [
        ReadModel("alerts", [alerts, alert_recipients, alert_feed], local=Projection("alerting.alert-list", {
            "AlertRaised": Projects(alert_raised, alerts_raised),
            "AlertUpdated": Projects(alert_updated),
            "AlertAcknowledged": Projects(alert_acknowledged),
            "AlertEscalated": Projects(alert_escalated),
            "AlertResolved": Projects(alert_resolved),
            "NotificationFailed": Projects(notification_failed),
        }, owned=[alerts, alert_recipients, alert_feed])),
        ReadModel("circles", [circle_members], consumed=Consumed("alerting.alerts", (topics.CARE_CIRCLE,), {
            "CareTeamMemberAdded": Projects(member_added),
            "CareTeamMemberRemoved": Projects(member_removed),
        })),
    ]
