"""The directory (annuaire): structures and the professionals who work in them."""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.domain import Aggregate, event

_EMAIL_NAMESPACE = uuid.UUID("4c0e5f3a-7d2b-4b8e-9a61-2f5e8c9d1a77")


class Structure(Aggregate):
    """A practice, hospital, DAC or medico-social structure."""

    @event("Registered", topic="care_circle:Structure.Registered.v1")
    def __init__(self, name: str, kind: str, finess: str | None, trace: dict[str, Any]) -> None:
        self.name, self.kind, self.finess = name, kind, finess


class Professional(Aggregate):
    """A professional; the id derives from the e-mail so one address is one professional."""

    @staticmethod
    def create_id(email: str) -> uuid.UUID:
        return uuid.uuid5(_EMAIL_NAMESPACE, email.strip().casefold())

    @event("Registered", topic="care_circle:Professional.Registered.v1")
    def __init__(self, email: str, profile: dict[str, Any], trace: dict[str, Any]) -> None:
        self.email = email
        self.profile = profile

    @property
    def active(self) -> bool:
        return not getattr(self, "deactivated", False)

    @event("Deactivated", topic="care_circle:Professional.Deactivated.v1")
    def deactivate(self, trace: dict[str, Any]) -> None:
        self.deactivated = True
