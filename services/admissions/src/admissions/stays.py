"""The stay list (a local projection of the service's own events): who each stay is matched to,
or why it waits for reconciliation."""

from __future__ import annotations

import uuid
from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ecovid_events import event_id_for
from ecovid_platform.consumer import Projects
from ecovid_platform.integration import EVERY
from ecovid_platform.projector import Projection

from admissions.domain.admission import Admission
from admissions.read_models import stays


@dataclass(frozen=True)
class StoredEvent:
    """A stored event of a stay as the projection sees it (never published)."""

    event_type: str
    event_id: uuid.UUID
    domain: Any


_TYPES = {Admission.Opened: "Opened", Admission.MovementRecorded: "MovementRecorded",
          Admission.Matched: "Matched", Admission.Unmatched: "Unmatched"}


def local_events(event: Any, wanted: Container[str] = EVERY) -> Iterable[Any]:
    name = _TYPES.get(type(event))
    if name is not None:
        yield StoredEvent(name, event_id_for(event.originator_id, event.originator_version), event)


def opened(session: Session, event: StoredEvent) -> None:
    e = event.domain
    session.execute(stays.insert().values(
        admission_id=e.originator_id, finess=e.finess, hospital_name=e.hospital_name,
        visit_number=e.visit_number, identity={}, opened_at=e.timestamp,
    ))


def movement(session: Session, event: StoredEvent) -> None:
    e = event.domain
    row = session.execute(sa.select(stays.c.identity).where(stays.c.admission_id == e.originator_id)).first()
    identity = {**(row.identity if row else {}), **{k: v for k, v in e.identity.items() if v}}
    session.execute(stays.update().where(stays.c.admission_id == e.originator_id).values(
        identity=identity, last_movement=e.kind, last_movement_at=e.at, birth_date=_date(identity),
    ))


def matched(session: Session, event: StoredEvent) -> None:
    session.execute(stays.update().where(stays.c.admission_id == event.domain.originator_id).values(
        patient_id=event.domain.patient_id, unmatched_reason=None,
    ))


def unmatched(session: Session, event: StoredEvent) -> None:
    session.execute(stays.update().where(stays.c.admission_id == event.domain.originator_id).values(
        unmatched_reason=event.domain.reason[:200],
    ))


def projection() -> Projection:
    return Projection("admissions.stays", {
        "Opened": Projects(opened), "MovementRecorded": Projects(movement),
        "Matched": Projects(matched), "Unmatched": Projects(unmatched),
    }, owned=[stays])


def list_unmatched(session: Session, limit: int, offset: int) -> list[dict[str, Any]]:
    rows = session.execute(sa.select(stays).where(stays.c.patient_id.is_(None))
                           .order_by(stays.c.opened_at, stays.c.admission_id).limit(limit).offset(offset))
    return [{
        "id": str(r.admission_id), "finess": r.finess, "hospital_name": r.hospital_name,
        "visit_number": r.visit_number, "reason": r.unmatched_reason, "identity": r.identity,
        "last_movement": r.last_movement,
        "last_movement_at": r.last_movement_at.isoformat() if r.last_movement_at else None,
    } for r in rows]


def unmatched_identities(session: Session, born: date) -> list[tuple[uuid.UUID, dict[str, Any]]]:
    """The stays waiting for a patient born that day (an index lookup, however long the list)."""
    rows = session.execute(sa.select(stays.c.admission_id, stays.c.identity).where(
        stays.c.patient_id.is_(None), stays.c.birth_date == born))
    return [(row.admission_id, row.identity) for row in rows]


def _date(identity: dict[str, Any]) -> date | None:
    try:
        return date.fromisoformat(identity.get("birth_date") or "")
    except ValueError:
        return None
