"""Identity keys: which patient holds a set of identity traits (clé d'identité).

A key has a deterministic id (uuid5 of the search key, or of the INS), so two
registrations of one person write the same aggregate: saved in the same
transaction as the patient, the second one fails on the store's unique
constraint instead of creating a duplicate (détection de doublons).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate, event

from dossier.domain.names import search_key

_NAMESPACE = uuid.UUID("3b8f1d52-7c0e-4d5e-9a61-2f4b8c9d0e17")


def names_key_id(search_key: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"names:{search_key}")


def ins_key_id(ins: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"ins:{ins}")


def key_ids(identity: dict[str, Any]) -> dict[str, uuid.UUID]:
    """The keys an identity claims, by kind; `identity` as the dossier stores it."""
    keys = {"names": names_key_id(
        search_key(identity["last_name"], identity["first_name"], _date(identity["birth_date"]))
    )}
    if identity.get("ins"):
        keys["ins"] = ins_key_id(identity["ins"])
    return keys


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


class IdentityKey(Aggregate):
    @event("Claimed", topic="dossier:IdentityKey.Claimed.v1")
    def __init__(self, key_id: uuid.UUID, patient_id: uuid.UUID) -> None:
        self.holder: uuid.UUID | None = patient_id

    @classmethod
    def create_id(cls, key_id: uuid.UUID) -> uuid.UUID:
        return key_id

    @event("Reclaimed", topic="dossier:IdentityKey.Reclaimed.v1")
    def claim(self, patient_id: uuid.UUID) -> None:
        self.holder = patient_id

    @event("Released", topic="dossier:IdentityKey.Released.v1")
    def release(self) -> None:
        self.holder = None
