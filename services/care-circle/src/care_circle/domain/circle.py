"""The care circle (cercle de soins) of one patient: the professionals who may see them,
each with a role, and the emergency accesses declared by professionals outside it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate, event

from ecovid_platform.errors import Conflict, Forbidden

_CIRCLE_NAMESPACE = uuid.UUID("9e2b6d4f-1c3a-4f7e-8b5d-6a0c2e4f8b13")
_SCOPE_NAMESPACE = uuid.UUID("0b7e3c55-2a41-4f0e-9d6c-5e8a1f2b3c47")

# The roles a member may be given through the API.
ROLES = ("attending_physician", "nurse", "coordinator", "hospital_team", "pharmacist", "home_help", "other")
# "creator": the professional who registered the patient (set by the platform, never asked for).
# These may add and remove members; anyone may leave.
MANAGING_ROLES = frozenset({"creator", "attending_physician", "coordinator"})
# Issue 12: the role decides who sees the documents and the shared notes. Help at home and a
# role not named see the follow-up (identity, readings, alerts, objectives), not the clinical
# papers nor the team's notes.
NO_DOCUMENTS_OR_NOTES = frozenset({"home_help", "other"})
# The role answered for a professional outside the circle with a live emergency access.
EMERGENCY = "emergency"


def sees_documents_and_notes(role: str | None) -> bool:
    """Every role but NO_DOCUMENTS_OR_NOTES, an emergency holder too; nobody without a role."""
    return role is not None and role not in NO_DOCUMENTS_OR_NOTES


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
        self.emergencies: dict[str, str] = {}  # professional id -> expiry (ISO, UTC)

    def caused_by(self, event_id: uuid.UUID) -> bool:
        return str(event_id) in self.causes

    def may_manage(self, actor_id: str | None) -> bool:
        return self.members.get(str(actor_id)) in MANAGING_ROLES

    def dismiss(self, actor_id: str | None, professional_id: uuid.UUID, trace: dict[str, Any]) -> bool:
        """A managing member removes anyone, a member leaves; the circle never becomes empty.
        `actor_id` None: a trusted caller (the platform), held to the last rule only."""
        trusted = actor_id is None
        if not trusted and str(actor_id) != str(professional_id) and not self.may_manage(actor_id):
            raise Forbidden("removing a member takes the attending physician's or a coordinator's role")
        if str(professional_id) not in self.members:
            return False
        if len(self.members) == 1:
            raise Conflict("the last member of a care circle cannot leave it", field="professional_id")
        return self.remove(professional_id, trace)

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

    @event("EmergencyAccessDeclared", topic="care_circle:CareCircle.EmergencyAccessDeclared.v1")
    def declare_emergency(
        self, professional_id: uuid.UUID, reason: str, declared_at: datetime, expires_at: datetime,
        patient_id: uuid.UUID, trace: dict[str, Any],
    ) -> None:
        if not hasattr(self, "emergencies"):
            self.emergencies = {}  # a circle formed before emergency accesses existed
        self.emergencies[str(professional_id)] = expires_at.isoformat()

    def has_emergency_access(self, professional_id: uuid.UUID | str, now: datetime) -> bool:
        until = getattr(self, "emergencies", {}).get(str(professional_id))
        return until is not None and datetime.fromisoformat(until) > now

    def role_of(self, professional_id: uuid.UUID | str, now: datetime) -> str | None:
        """The member's role; EMERGENCY for a live emergency access; None for anyone else.
        A member's own role wins over an emergency access they declared: declaring one
        never widens what their role lets them see."""
        role = self.members.get(str(professional_id))
        if role is None and self.has_emergency_access(professional_id, now):
            return EMERGENCY
        return role

    def allows(self, professional_id: uuid.UUID | str, now: datetime) -> bool:
        return self.role_of(professional_id, now) is not None


class ProfessionalScope(Aggregate):
    """The patients one professional may see: saved with every circle change in the same
    transaction, so that a list filtered by it is never behind the circles (no read model lag)."""

    @staticmethod
    def create_id(professional_id: uuid.UUID) -> uuid.UUID:
        return uuid.uuid5(_SCOPE_NAMESPACE, str(professional_id))

    @event("Opened", topic="care_circle:ProfessionalScope.Opened.v1")
    def __init__(self, professional_id: uuid.UUID) -> None:
        self.professional_id = professional_id
        self.patients: dict[str, str] = {}  # patient id -> role
        self.emergencies: dict[str, str] = {}  # patient id -> expiry (ISO, UTC)

    @event("Joined", topic="care_circle:ProfessionalScope.Joined.v1")
    def joined(self, patient_id: uuid.UUID, role: str) -> None:
        self.patients[str(patient_id)] = role

    @event("Left", topic="care_circle:ProfessionalScope.Left.v1")
    def left(self, patient_id: uuid.UUID) -> None:
        self.patients.pop(str(patient_id), None)

    @event("EmergencyGranted", topic="care_circle:ProfessionalScope.EmergencyGranted.v1")
    def emergency(self, patient_id: uuid.UUID, expires_at: datetime) -> None:
        self.emergencies[str(patient_id)] = expires_at.isoformat()

    def visible(self, now: datetime) -> list[str]:
        live = [p for p, until in self.emergencies.items() if datetime.fromisoformat(until) > now]
        return sorted(set(self.patients) | set(live))
