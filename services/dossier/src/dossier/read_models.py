"""Read model of the dossier: the patient search index, fed by the dossier's own events."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from ecovid_events.dossier import PatientIdentityUpdated, PatientRegistered

from dossier.domain.names import normalise_name

metadata = sa.MetaData()
MIN_PREFIX = 3

# Byte-order collation ("C") on PostgreSQL: a plain btree then serves LIKE 'prefix%'
# and the ORDER BY of the search; the normalised keys hold no case or accents to sort.
SearchKey = sa.String(100).with_variant(postgresql.VARCHAR(100, collation="C"), "postgresql")

patient_index = sa.Table(
    "patient_index",
    metadata,
    sa.Column("patient_id", sa.Uuid, primary_key=True),
    sa.Column("last_name", sa.String(100), nullable=False),
    sa.Column("first_name", sa.String(100), nullable=False),
    sa.Column("last_name_key", SearchKey, nullable=False),
    sa.Column("first_name_key", SearchKey, nullable=False),
    sa.Column("birth_date", sa.Date, nullable=False),
    sa.Column("sex", sa.String(10), nullable=False),
    sa.Column("commune", sa.String(100), nullable=False),
    sa.Index("ix_patient_index_search", "last_name_key", "first_name_key", "birth_date"),
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


class PrefixTooShort(ValueError):
    def __init__(self, field: str) -> None:
        super().__init__(f"{field} needs at least {MIN_PREFIX} letters (accents and punctuation aside)")
        self.field = field


def search_query(last_name: str, first_name: str, birth_date: date | None, limit: int) -> sa.Select[Any]:
    """Prefix search on normalised names (accents, case, hyphens, apostrophes ignored)."""
    last_key, first_key = normalise_name(last_name), normalise_name(first_name)
    for field, key in (("last_name", last_key), ("first_name", first_key)):
        if len(key) < MIN_PREFIX:
            raise PrefixTooShort(field)
    query = (
        sa.select(patient_index)
        .where(*_prefix(patient_index.c.last_name_key, last_key))
        .where(*_prefix(patient_index.c.first_name_key, first_key))
        .order_by(patient_index.c.last_name_key, patient_index.c.first_name_key,
                  patient_index.c.birth_date, patient_index.c.patient_id)
        .limit(limit)
    )
    if birth_date is not None:
        query = query.where(patient_index.c.birth_date == birth_date)
    return query


def _prefix(column: sa.ColumnElement[str], prefix: str) -> tuple[sa.ColumnElement[bool], ...]:
    # LIKE 'prefix%' written as the range PostgreSQL derives from it: a range stays an
    # index condition even in a generic prepared plan, where LIKE on a parameter cannot.
    # Byte order (C, SQLite's BINARY) is code point order, so the next code point bounds it.
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return column >= prefix, column < upper


def search(
    session: Session, last_name: str, first_name: str, limit: int, birth_date: date | None = None
) -> list[dict[str, Any]]:
    query = search_query(last_name, first_name, birth_date, limit)
    return [minimal(row._mapping) for row in session.execute(query)]


def minimal(row: Any) -> dict[str, Any]:
    return {
        "id": str(row["patient_id"]),
        "last_name": row["last_name"],
        "first_name": row["first_name"],
        "birth_date": row["birth_date"].isoformat(),
        "sex": row["sex"],
        "commune": row["commune"],
    }
