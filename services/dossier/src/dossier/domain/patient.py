"""The patient aggregate: identity of a person followed by the platform."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate, event


class Patient(Aggregate):
    @event("Registered", topic="dossier:Patient.Registered.v1")
    def __init__(
        self, identity: dict[str, Any], registered_by: str | None, trace: dict[str, Any]
    ) -> None:
        self.identity = identity
        self.registered_by = registered_by

    @event("IdentityUpdated", topic="dossier:Patient.IdentityUpdated.v1")
    def update_identity(self, identity: dict[str, Any], trace: dict[str, Any]) -> None:
        # The whole new identity is kept, so each event reads alone in the history.
        self.identity = identity
