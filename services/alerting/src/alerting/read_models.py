"""Read models of alerting: the alert list and each patient's care circle (who is told)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ecovid_events import topics
from ecovid_events.alerting import AlertAcknowledged, AlertRaised
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
)

circle_members = sa.Table(
    "circle_members",
    metadata,
    sa.Column("patient_id", sa.Uuid, primary_key=True),
    sa.Column("professional_id", sa.Uuid, primary_key=True, index=True),
)


def alert_raised(session: Session, event: AlertRaised) -> None:
    alerts_raised(session, [event])


def alerts_raised(session: Session, events: list[AlertRaised]) -> None:
    """A run of raised alerts in one go (a COPY on PostgreSQL)."""
    insert_rows(session, alerts, [{
        "alert_id": e.payload.alert_id, "patient_id": e.patient_id, "kind": e.payload.kind,
        "level": e.payload.level, "status": "raised", "summary": e.payload.summary,
        "raised_at": e.payload.raised_at, "reading_id": e.payload.reading_id,
    } for e in events])


def alert_acknowledged(session: Session, event: AlertAcknowledged) -> None:
    p = event.payload
    session.execute(alerts.update().where(alerts.c.alert_id == p.alert_id).values(
        status="acknowledged", acknowledged_at=p.acknowledged_at, acknowledged_by=p.acknowledged_by,
    ))


def member_added(session: Session, event: CareTeamMemberAdded) -> None:
    key = {"patient_id": event.patient_id, "professional_id": event.payload.professional_id}
    exists = session.execute(sa.select(circle_members).filter_by(**key)).first()
    if exists is None:
        session.execute(circle_members.insert().values(**key))


def member_removed(session: Session, event: CareTeamMemberRemoved) -> None:
    session.execute(circle_members.delete().where(
        circle_members.c.patient_id == event.patient_id,
        circle_members.c.professional_id == event.payload.professional_id,
    ))


def list_alerts(
    session: Session,
    *,
    patient_id: uuid.UUID | None,
    status: str | None,
    recipient: uuid.UUID | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    query = sa.select(alerts).order_by(alerts.c.raised_at.desc(), alerts.c.alert_id)
    if patient_id is not None:
        query = query.where(alerts.c.patient_id == patient_id)
    if status is not None:
        query = query.where(alerts.c.status == status)
    if recipient is not None:
        mine = sa.select(circle_members.c.patient_id).where(
            circle_members.c.professional_id == recipient
        )
        query = query.where(alerts.c.patient_id.in_(mine))
    rows = session.execute(query.limit(limit).offset(offset))
    return [_alert(row._mapping) for row in rows]


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
    }


def read_models() -> list[ReadModel]:
    """The alert list comes from alerting's own events (its notification log); the care
    circles from care-circle's topic."""
    return [
        ReadModel("alerts", [alerts], local=Projection("alerting.alert-list", {
            "AlertRaised": Projects(alert_raised, alerts_raised),
            "AlertAcknowledged": Projects(alert_acknowledged),
        }, owned=[alerts])),
        ReadModel("circles", [circle_members], consumed=Consumed("alerting.alerts", (topics.CARE_CIRCLE,), {
            "CareTeamMemberAdded": Projects(member_added),
            "CareTeamMemberRemoved": Projects(member_removed),
        })),
    ]
