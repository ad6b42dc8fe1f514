"""The directory's search index (annuaire): structures and professionals by name, profession
and structure, projected from care-circle's own events so a member finds a colleague to add."""

from __future__ import annotations

import unicodedata
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ecovid_platform.consumer import Projects
from ecovid_platform.projector import Projection

metadata = sa.MetaData()

structures = sa.Table(
    "directory_structures",
    metadata,
    sa.Column("structure_id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("finess", sa.String(9)),
)

professionals = sa.Table(
    "directory_professionals",
    metadata,
    sa.Column("professional_id", sa.Uuid, primary_key=True),
    sa.Column("first_name", sa.String(200), nullable=False),
    sa.Column("last_name", sa.String(200), nullable=False),
    sa.Column("name_key", sa.String(400), nullable=False, index=True),
    sa.Column("profession", sa.String(20), nullable=False),
    sa.Column("structure_id", sa.Uuid, nullable=False, index=True),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
)


def key(text: str) -> str:
    """Case and accents folded: "Hélène" is found by "helene"."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


def _structure(session: Session, event: Any) -> None:
    p = event.payload
    session.execute(structures.delete().where(structures.c.structure_id == p.structure_id))
    session.execute(structures.insert().values(structure_id=p.structure_id, name=p.name, kind=p.kind,
                                               finess=p.finess))


def _professional(session: Session, event: Any) -> None:
    p = event.payload
    session.execute(professionals.delete().where(professionals.c.professional_id == p.professional_id))
    session.execute(professionals.insert().values(
        professional_id=p.professional_id, first_name=p.first_name, last_name=p.last_name,
        name_key=key(f"{p.last_name} {p.first_name}"), profession=p.profession, structure_id=p.structure_id,
        active=True,
    ))


def _deactivated(session: Session, event: Any) -> None:
    session.execute(professionals.update().where(professionals.c.professional_id == event.payload.professional_id)
                    .values(active=False))


projection = Projection("care-circle.directory", {
    "StructureRegistered": Projects(_structure),
    "ProfessionalRegistered": Projects(_professional),
    "ProfessionalDeactivated": Projects(_deactivated),
}, owned=[structures, professionals])


def list_structures(session: Session, limit: int, offset: int) -> list[dict[str, Any]]:
    rows = session.execute(sa.select(structures).order_by(structures.c.name, structures.c.structure_id)
                           .limit(limit).offset(offset))
    return [{"id": str(r.structure_id), "name": r.name, "kind": r.kind, "finess": r.finess} for r in rows]


def search_professionals(
    session: Session, name: str | None, profession: str | None, structure_id: uuid.UUID | None,
    limit: int, offset: int,
) -> list[dict[str, Any]]:
    c = professionals.c
    where = [c.active.is_(True)]
    if name:
        escaped = key(name).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(c.name_key.like(f"%{escaped}%", escape="\\"))
    if profession:
        where.append(c.profession == profession)
    if structure_id:
        where.append(c.structure_id == structure_id)
    rows = session.execute(sa.select(professionals).where(*where)
                           .order_by(c.last_name, c.first_name, c.professional_id).limit(limit).offset(offset))
    return [{"id": str(r.professional_id), "first_name": r.first_name, "last_name": r.last_name,
             "profession": r.profession, "structure_id": str(r.structure_id)} for r in rows]
