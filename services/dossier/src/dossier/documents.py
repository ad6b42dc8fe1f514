"""Read model of each patient's documents, fed by the documents service's events,
so the summary lists the latest ones without calling that service."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ecovid_events.documents import DocumentAdded
from ecovid_platform.tables import UTCDateTime

from dossier.read_models import metadata

patient_documents = sa.Table(
    "patient_documents",
    metadata,
    sa.Column("document_id", sa.Uuid, primary_key=True),
    sa.Column("patient_id", sa.Uuid, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("added_at", UTCDateTime, nullable=False),
    sa.Index("ix_patient_documents_latest", "patient_id", "added_at"),
)


def document_added(session: Session, event: DocumentAdded) -> None:
    p = event.payload
    session.execute(patient_documents.insert().values(
        document_id=p.document_id, patient_id=event.patient_id, title=p.title, kind=p.kind,
        added_at=event.occurred_at,
    ))


def latest(session: Session, patient_id: uuid.UUID, limit: int) -> list[dict[str, Any]]:
    rows = session.execute(
        sa.select(patient_documents).where(patient_documents.c.patient_id == patient_id)
        .order_by(patient_documents.c.added_at.desc(), patient_documents.c.document_id).limit(limit)
    )
    return [{"id": str(r.document_id), "title": r.title, "kind": r.kind, "added_at": r.added_at.isoformat()}
            for r in rows]
