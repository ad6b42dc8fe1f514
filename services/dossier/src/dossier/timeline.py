"""Read model of the patient's timeline (chronologie): every service's integration
events about a patient, in the order they happened; the dossier's own from its
notification log, the others' from their topics; rebuildable (`ecovid-ops rebuild dossier timeline`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ecovid_events import EVENT_TYPES, IntegrationEvent, topics
from ecovid_platform.consumer import Projects
from ecovid_platform.tables import UTCDateTime

from dossier.read_models import metadata
from dossier.timeline_text import summary

# The other services' topics; the dossier's own events come from its notification log.
TOPICS = (topics.ECOVID_MONITOR, topics.ALERTING, topics.CARE_CIRCLE, topics.DOCUMENTS)

timeline_entries = sa.Table(
    "timeline_entries",
    metadata,
    sa.Column("event_id", sa.Uuid, primary_key=True),
    sa.Column("patient_id", sa.Uuid, nullable=False),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    sa.Column("event_type", sa.String(60), nullable=False),
    sa.Column("producer", sa.String(60), nullable=False),
    sa.Column("actor_kind", sa.String(20), nullable=False),
    sa.Column("actor_id", sa.String(100), nullable=True),
    sa.Column("summary", sa.String(300), nullable=False),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Index("ix_timeline_patient_order", "patient_id", "occurred_at", "event_id"),
)


CONSUMER = "dossier.timeline"


def handlers() -> dict[str, Projects]:
    """One handler per registered event type: the platform's consumers dispatch by type."""
    record = Projects(record_event, record_events)
    return {event_type.model_fields["event_type"].default: record for event_type in EVENT_TYPES}


def entry(event: IntegrationEvent) -> dict[str, Any]:
    """The row of an event: a function of the event alone, so a rebuild ends identical."""
    payload = event.payload.model_dump(mode="json")  # type: ignore[attr-defined]
    return {
        "event_id": event.event_id, "patient_id": event.patient_id, "occurred_at": event.occurred_at,
        "event_type": event.event_type, "producer": event.producer, "actor_kind": event.actor.kind,
        "actor_id": event.actor.id, "summary": summary(event.event_type, payload)[:300], "details": payload,
    }


def record_event(session: Session, event: IntegrationEvent) -> None:
    if event.patient_id is None:
        return
    session.execute(_insert_once(session).values(**entry(event)))


def record_events(session: Session, events: list[IntegrationEvent]) -> int:
    """The rebuild's path: one multi-row statement per batch instead of one per event."""
    rows = [entry(event) for event in events if event.patient_id is not None]
    if rows:
        session.execute(_insert_once(session), rows)
    return len(rows)


def _insert_once(session: Session) -> Any:
    # A rebuild and the live consumer may both meet an event: the first one wins.
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(timeline_entries).on_conflict_do_nothing(index_elements=["event_id"])


def page(
    session: Session, patient_id: uuid.UUID, *, kinds: list[str] | None = None,
    excluded: list[str] | None = None, since: datetime | None = None, until: datetime | None = None,
    limit: int = 100, offset: int = 0,
) -> dict[str, Any]:
    t = timeline_entries.c
    query = sa.select(timeline_entries).where(t.patient_id == patient_id)
    if kinds:
        query = query.where(t.event_type.in_(kinds))
    if excluded:
        # The gateway's: what the caller's circle role does not open (notes, documents).
        query = query.where(t.event_type.not_in(excluded))
    if since is not None:
        query = query.where(t.occurred_at >= since)
    if until is not None:
        query = query.where(t.occurred_at < until)
    rows = session.execute(query.order_by(t.occurred_at, t.event_id).limit(limit + 1).offset(offset)).all()
    items = [_item(row._mapping) for row in rows[:limit]]
    return {"items": items, "next_offset": offset + limit if len(rows) > limit else None}


def _item(r: Any) -> dict[str, Any]:
    return {
        "event_id": str(r["event_id"]), "event_type": r["event_type"], "occurred_at": r["occurred_at"].isoformat(),
        "producer": r["producer"], "actor": {"kind": r["actor_kind"], "id": r["actor_id"]},
        "summary": r["summary"], "details": r["details"],
    }
