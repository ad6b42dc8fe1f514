"""Who is told of an alert: the care-circle members whose role receives its kind.

A policy maps each alert kind to the roles that receive it (None: the whole circle).
A member whose role the policy does not know (care-circle's default `member`, or no
role at all) receives every kind: nobody is left out for want of a role. A structure
can have a policy of its own (`Policies.for_structure`); the default one follows the
issue: physicians and nurses for threshold and missed-report alerts, the whole circle
for hospitalisation, discharge and an emergency access.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

PHYSICIANS = frozenset({"physician", "doctor", "general_practitioner"})
NURSES = frozenset({"nurse"})
# Roles a policy can name; any other role is unknown and receives everything.
KNOWN_ROLES = PHYSICIANS | NURSES | frozenset({"coordinator", "administrator", "pharmacist", "physiotherapist"})


@dataclass(frozen=True)
class RecipientPolicy:
    by_kind: Mapping[str, frozenset[str] | None]

    def receives(self, kind: str, role: str | None) -> bool:
        roles = self.by_kind.get(kind)
        if roles is None or role is None or role not in KNOWN_ROLES:
            return True
        return role in roles

    def recipients(self, kind: str, members: Iterable[tuple[uuid.UUID, str | None]]) -> list[uuid.UUID]:
        return sorted({member for member, role in members if self.receives(kind, role)}, key=str)


DEFAULT_POLICY = RecipientPolicy({
    "threshold": PHYSICIANS | NURSES,
    "missed_report": PHYSICIANS | NURSES,
    "hospitalised": None,
    "discharged": None,
    # Someone outside the circle opened the record (bris de glace): everyone in it should know.
    "emergency_access": None,
})


@dataclass(frozen=True)
class Policies:
    """The default policy and those of the structures that set their own."""

    default: RecipientPolicy = DEFAULT_POLICY
    structures: Mapping[uuid.UUID, RecipientPolicy] = field(default_factory=dict)

    def for_structure(self, structure_id: uuid.UUID | None) -> RecipientPolicy:
        return self.structures.get(structure_id, self.default) if structure_id else self.default
