"""Read model of the documents service: each patient's document list.

Aggregates cannot be listed by patient, so the service projects its own events into
this table, from its notification log (eventually consistent with the event store).
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ecovid_events.documents import DocumentAdded
from ecovid_platform.consumer import Projects
from ecovid_platform.projector import Projection
from ecovid_platform.rebuild import ReadModel
from ecovid_platform.tables import UTCDateTime

metadata = sa.MetaData()

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("document_id", sa.Uuid, primary_key=True),
    sa.Column("patient_id", sa.Uuid, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("media_type", sa.String(100), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("added_at", UTCDateTime, nullable=False),
    sa.Index("ix_documents_patient_added", "patient_id", "added_at"),
)


def document_added(session: Session, event: DocumentAdded) -> None:
    p = event.payload
    session.execute(documents.insert().values(
        document_id=p.document_id, patient_id=event.patient_id, title=p.title, kind=p.kind,
        media_type=p.media_type, sha256=p.sha256, size=p.size, added_at=event.occurred_at,
    ))


def list_documents(session: Session, patient_id: uuid.UUID, limit: int, offset: int) -> list[dict[str, Any]]:
    rows = session.execute(
        sa.select(documents).where(documents.c.patient_id == patient_id)
        .order_by(documents.c.added_at.desc(), documents.c.document_id).limit(limit).offset(offset)
    )
    return [{
        "id": str(r.document_id), "patient_id": str(r.patient_id), "title": r.title, "kind": r.kind,
        "media_type": r.media_type, "sha256": r.sha256, "size": r.size, "added_at": r.added_at.isoformat(),
    } for r in rows]


def read_models() -> list[ReadModel]:
    return [ReadModel("documents", [documents], local=Projection("documents.document-list", {
        "DocumentAdded": Projects(document_added),
    }, owned=[documents]))]
