"""Who a stay is about: the dossier's identities (fed by `dossier.events`) and the INS already
linked to a patient, compared with the identity the hospital sent.

By INS first (its key is checked where the message is read); else by birth name or used
name, first given name and birth date, folded so that case, accents, hyphens, spaces and
apostrophes do not count. One candidate or none: never a guess between two.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ecovid_events.dossier import PatientIdentityUpdated, PatientRegistered

from admissions.read_models import identities, ins_links

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


def fold(name: str | None) -> str:
    """"D'Arc-Dupont" and "darc dupont" both fold to "darcdupont"."""
    decomposed = unicodedata.normalize("NFKD", (name or "").casefold().translate(_LIGATURES))
    return "".join(char for char in decomposed if char.isalnum())


def first_given(first_name: str | None) -> str:
    names = (first_name or "").replace(",", " ").split()
    return fold(names[0]) if names else ""


@dataclass(frozen=True)
class Match:
    patient_id: uuid.UUID | None
    how: str  # "ins", "names", or why there is no match


def identity_seen(session: Session, event: PatientRegistered | PatientIdentityUpdated) -> None:
    p = event.payload
    row = {"patient_id": event.patient_id, "last_key": fold(p.last_name),
           "first_key": first_given(p.first_name), "birth_date": p.birth_date}
    session.execute(identities.delete().where(identities.c.patient_id == event.patient_id))
    session.execute(identities.insert().values(**row))


def link_ins(session: Session, ins: str, patient_id: uuid.UUID) -> None:
    if session.execute(sa.select(ins_links.c.ins).where(ins_links.c.ins == ins)).first() is None:
        session.execute(ins_links.insert().values(ins=ins, patient_id=patient_id))


def find_patient(session: Session, identity: dict[str, Any]) -> Match:
    ins = identity.get("ins")
    if ins:
        linked = session.execute(sa.select(ins_links.c.patient_id).where(ins_links.c.ins == ins)).scalar()
        if linked is not None:
            return Match(linked, "ins")
    try:
        born = date.fromisoformat(identity.get("birth_date") or "")
    except ValueError:
        return Match(None, "no birth date to compare")
    names = {fold(identity.get("birth_name")), fold(identity.get("used_name"))} - {""}
    given = first_given(identity.get("first_name"))
    if not names or not given:
        return Match(None, "no name to compare")
    found = session.execute(sa.select(identities.c.patient_id).where(
        identities.c.last_key.in_(names), identities.c.first_key == given, identities.c.birth_date == born,
    )).scalars().unique().all()
    if len(found) == 1:
        return Match(found[0], "names")
    return Match(None, "no patient with these names and birth date" if not found
                 else f"ambiguous: {len(found)} patients with these names and birth date")
