"""The adult and child monitoring lists: filters, order by severity then staleness, paging.

The service and the bench run this same code.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ecovid_monitor.read_models.names import like_prefix, search_key
from ecovid_monitor.read_models.projections import SEVERITY
from ecovid_monitor.read_models.tables import rows, symptoms

CHILDREN_UNDER = 18


@dataclass(frozen=True)
class ListQuery:
    structure_id: uuid.UUID | None  # a coordinator's view: the structure's enrolled patients
    population: Literal["adults", "children"]
    today: date
    level: str | None = None
    symptom: str | None = None
    updated_before: datetime | None = None
    updated_after: datetime | None = None
    age_min: int | None = None
    age_max: int | None = None
    commune: str | None = None
    first_symptoms_from: date | None = None
    first_symptoms_to: date | None = None
    name: str | None = None
    limit: int = 50
    offset: int = 0
    # A professional's view: only these patients (their care circles, live emergency accesses).
    patient_ids: tuple[uuid.UUID, ...] | None = None


def years_before(today: date, years: int) -> date:
    """The same day `years` earlier (29 February becomes the 28th)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def _conditions(q: ListQuery) -> list[Any]:
    adult_born_by = years_before(q.today, CHILDREN_UNDER)
    c = rows.c
    where = [c.birth_date <= adult_born_by if q.population == "adults" else c.birth_date > adult_born_by]
    if q.structure_id is not None:
        where.append(c.structure_id == q.structure_id)
    if q.patient_ids is not None:
        where.append(c.patient_id.in_(q.patient_ids))
    if q.structure_id is None and q.patient_ids is None:
        where.append(sa.false())  # nobody's list is everybody's
    if q.level is not None:
        where.append(c.severity == SEVERITY[q.level])
    if q.symptom is not None:
        where.append(c.episode_id.in_(sa.select(symptoms.c.episode_id).where(symptoms.c.indicator == q.symptom)))
    if q.updated_before is not None:
        where.append(c.last_reading_at < q.updated_before)
    if q.updated_after is not None:
        where.append(c.last_reading_at >= q.updated_after)
    if q.age_min is not None:
        where.append(c.birth_date <= years_before(q.today, q.age_min))
    if q.age_max is not None:
        where.append(c.birth_date > years_before(q.today, q.age_max + 1))
    if q.commune is not None:
        where.append(c.commune_key == search_key(q.commune))
    if q.first_symptoms_from is not None:
        where.append(c.first_symptoms_on >= q.first_symptoms_from)
    if q.first_symptoms_to is not None:
        where.append(c.first_symptoms_on <= q.first_symptoms_to)
    if q.name:
        pattern = like_prefix(search_key(q.name))
        where.append(sa.or_(c.last_name_key.like(pattern, escape="\\"),
                            c.first_name_key.like(pattern, escape="\\")))
    return where


# Most severe first; then the stalest: the oldest last reading, or never a reading since the longest.
ORDER = (rows.c.severity.desc(), rows.c.last_reading_at.asc().nulls_first(), rows.c.opened_at, rows.c.episode_id)


def list_patients(session: Session, q: ListQuery) -> dict[str, Any]:
    where = _conditions(q)
    total = session.scalar(sa.select(sa.func.count()).select_from(rows).where(*where))
    page = session.execute(
        sa.select(rows).where(*where)
        .order_by(*ORDER)
        .limit(q.limit).offset(q.offset)
    )
    return {"total": total, "limit": q.limit, "offset": q.offset,
            "rows": [_row(r._mapping, q.today) for r in page]}


def _age(birth_date: date, today: date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _row(r: Any, today: date) -> dict[str, Any]:
    return {
        "patient_id": str(r["patient_id"]), "last_name": r["last_name"], "first_name": r["first_name"],
        "age": _age(r["birth_date"], today), "commune": r["commune"],
        "general_state": r["general_state"],
        "last_reading_at": r["last_reading_at"].isoformat() if r["last_reading_at"] else None,
        "levels": r["levels"], "episode_id": str(r["episode_id"]), "status": r["status"],
        "hospitalised": r["hospitalised"], "first_symptoms_on": r["first_symptoms_on"],
    }
