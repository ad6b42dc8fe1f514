"""Read model of the dossier: the patient search index, fed by the dossier's own topic."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ecovid_events.dossier import PatientIdentityUpdated, PatientRegistered

from dossier.domain.names import normalise_name

metadata = sa.MetaData()

patient_index = sa.Table(
    "patient_index",
    metadata,
    sa.Column("patient_id", sa.Uuid, primary_key=True),
    sa.Column("last_name", sa.String(100), nullable=False),
    sa.Column("first_name", sa.String(100), nullable=False),
    sa.Column("last_name_key", sa.String(100), nullable=False),
    sa.Column("first_name_key", sa.String(100), nullable=False),
    sa.Column("birth_date", sa.Date, nullable=False),
    sa.Column("sex", sa.String(10), nullable=False),
    sa.Column("commune", sa.String(100), nullable=False),
    sa.Index("ix_patient_index_names", "last_name_key", "first_name_key"),
)


def _row(event: PatientRegistered | PatientIdentityUpdated) -> dict[str, Any]:
    identity = event.payload
    return {
        "last_name": identity.last_name,
        "first_name": identity.first_name,
        "last_name_key": normalise_name(identity.last_name),
        "first_name_key": normalise_name(identity.first_name),
        "birth_date": identity.birth_date,
        "sex": identity.sex,
        "commune": identity.commune,
    }


def index_registered(session: Session, event: PatientRegistered) -> None:
    session.execute(patient_index.insert().values(patient_id=event.patient_id, **_row(event)))


def index_identity_updated(session: Session, event: PatientIdentityUpdated) -> None:
    session.execute(
        patient_index.update()
        .where(patient_index.c.patient_id == event.patient_id)
        .values(**_row(event))
    )


def search(session: Session, last_name: str, first_name: str, limit: int) -> list[dict[str, Any]]:
    """Prefix search on normalised names (accents, case, hyphens, apostrophes ignored)."""
    last_key, first_key = normalise_name(last_name), normalise_name(first_name)
    query = (
        sa.select(patient_index)
        .where(patient_index.c.last_name_key.startswith(last_key, autoescape=True))
        .where(patient_index.c.first_name_key.startswith(first_key, autoescape=True))
        .order_by(patient_index.c.last_name_key, patient_index.c.first_name_key)
        .limit(limit)
    )
    return [_minimal(row._mapping) for row in session.execute(query)]


def _minimal(row: Any) -> dict[str, Any]:
    return {
        "id": str(row["patient_id"]),
        "last_name": row["last_name"],
        "first_name": row["first_name"],
        "birth_date": row["birth_date"].isoformat(),
        "sex": row["sex"],
        "commune": row["commune"],
    }
