"""The care circle (cercle de soins) of one patient: the professionals who may see them."""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.domain import Aggregate, event

_CIRCLE_NAMESPACE = uuid.UUID("9e2b6d4f-1c3a-4f7e-8b5d-6a0c2e4f8b13")


class CareCircle(Aggregate):
    @staticmethod
    def create_id(patient_id: uuid.UUID) -> uuid.UUID:
        return uuid.uuid5(_CIRCLE_NAMESPACE, str(patient_id))

    @event("Formed", topic="care_circle:CareCircle.Formed.v1")
    def __init__(self, patient_id: uuid.UUID) -> None:
        self.patient_id = patient_id
        self.members: dict[str, str] = {}
        # Ids of the integration events that already changed this circle (their trace's
        # causation): a re-published registration must not bring back a member removed since.
        self.causes: set[str] = set()

    def caused_by(self, event_id: uuid.UUID) -> bool:
        return str(event_id) in self.causes

    def add(self, professional_id: uuid.UUID, role: str, trace: dict[str, Any]) -> None:
        """Adding a member twice changes nothing: the command is idempotent."""
        if str(professional_id) not in self.members:
            self._member_added(
                professional_id=professional_id, role=role, patient_id=self.patient_id, trace=trace
            )

    @event("MemberAdded", topic="care_circle:CareCircle.MemberAdded.v1")
    def _member_added(
        self, professional_id: uuid.UUID, role: str, patient_id: uuid.UUID, trace: dict[str, Any]
    ) -> None:
        self.members[str(professional_id)] = role
        if trace.get("causation_id"):
            self.causes.add(str(trace["causation_id"]))

    def remove(self, professional_id: uuid.UUID, trace: dict[str, Any]) -> bool:
        if str(professional_id) not in self.members:
            return False
        self._member_removed(
            professional_id=professional_id, role=self.members[str(professional_id)],
            patient_id=self.patient_id, trace=trace,
        )
        return True

    @event("MemberRemoved", topic="care_circle:CareCircle.MemberRemoved.v1")
    def _member_removed(
        self, professional_id: uuid.UUID, role: str, patient_id: uuid.UUID, trace: dict[str, Any]
    ) -> None:
        del self.members[str(professional_id)]
