"""The patient aggregate: identity and coordination record of a person followed by the platform.

Each change is one stored event that keeps its author (trace) and its time, so
histories, notes and objectives are read back from the events themselves.
"""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.domain import Aggregate, event

from ecovid_platform.errors import NotFound


class Patient(Aggregate):
    @event("Registered", topic="dossier:Patient.Registered.v1")
    def __init__(
        self, identity: dict[str, Any], registered_by: str | None, trace: dict[str, Any]
    ) -> None:
        self.identity = identity
        self.registered_by = registered_by
        self.sections: dict[str, Any] = {}
        self.objectives: dict[str, dict[str, Any]] = {}

    @event("IdentityUpdated", topic="dossier:Patient.IdentityUpdated.v1")
    def update_identity(self, identity: dict[str, Any], trace: dict[str, Any]) -> None:
        # The whole new identity is kept, so each event reads alone in the history.
        self.identity = identity

    @event("SectionUpdated", topic="dossier:Patient.SectionUpdated.v1")
    def update_section(self, section: str, content: dict[str, Any], trace: dict[str, Any]) -> None:
        """Replace one clinical section (risk-factors, medical-history, allergies, treatments)."""
        self.sections[section] = content

    @event("NoteShared", topic="dossier:Patient.NoteShared.v1")
    def share_note(
        self, note_id: str, text: str, document_ids: list[str], trace: dict[str, Any]
    ) -> None:
        pass  # notes are read from the events: nothing here decides on them

    def set_objective(
        self, objective_id: str, title: str | None, status: str, trace: dict[str, Any]
    ) -> None:
        known = self.objectives.get(objective_id)
        if known is None and title is None:
            raise ObjectiveNotFound(f"objective {objective_id} not found", field="objective_id")
        self._objective_set(objective_id, title or known["title"], status, trace)  # type: ignore[index]

    @event("ObjectiveSet", topic="dossier:Patient.ObjectiveSet.v1")
    def _objective_set(self, objective_id: str, title: str, status: str, trace: dict[str, Any]) -> None:
        self.objectives[objective_id] = {"title": title, "status": status}

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())


class ObjectiveNotFound(NotFound):
    """An objective of care that this patient's record does not have."""
