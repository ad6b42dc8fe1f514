"""The admission aggregate: one hospital stay (FINESS + visit number), its movements, its patient.

What the circle is told is announced, as stored events of the stay, each time the effective
state (see `stay`) of a matched stay differs from what was last announced: a replay changes
nothing, a late movement announces only what it changes, and a match made late announces
the whole current state at once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate, event

from ecovid_events import event_id_for

from admissions.domain.stay import Effective, Movement, effective

ADMISSION_NAMESPACE = uuid.UUID("3c0f9a52-6a0e-4a8e-9d0b-2f6f3f1d9c71")


class AlreadyMatched(Exception):
    """A stay matched to a patient is not matched again to another."""


class Admission(Aggregate):
    @staticmethod
    def create_id(finess: str, visit_number: str) -> uuid.UUID:
        return uuid.uuid5(ADMISSION_NAMESPACE, f"{finess}|{visit_number}")

    @event("Opened", topic="admissions:Admission.Opened.v1")
    def __init__(self, finess: str, visit_number: str, hospital_name: str | None, trace: dict[str, Any]) -> None:
        self.finess, self.visit_number, self.hospital_name = finess, visit_number, hospital_name
        self.movements: list[Movement] = []
        self.identity: dict[str, Any] = {}
        self.patient_id: uuid.UUID | None = None
        self.unmatched_reason: str | None = None
        self.announced = Effective("none", None, None, None)
        self.announcements: dict[str, uuid.UUID] = {}  # kind announced -> its integration event id

    @property
    def current(self) -> Effective:
        """What the movements mean now (announced or not: an unmatched stay announces nothing)."""
        return effective(self.movements)

    def has(self, movement_id: str) -> bool:
        return any(m.movement_id == movement_id for m in self.movements)

    def record(
        self, *, movement_id: str, kind: str, at: datetime, unit: str | None, source: str,
        identity: dict[str, Any], raw: str, trace: dict[str, Any],
    ) -> bool:
        """False when that movement is already recorded (a replay): nothing changes."""
        if self.has(movement_id):
            return False
        self._recorded(movement_id=movement_id, kind=kind, at=at, unit=unit, source=source,
                       identity=identity, raw=raw, trace=trace)
        self._announce(source, movement_id, at, trace)
        return True

    @event("MovementRecorded", topic="admissions:Admission.MovementRecorded.v1")
    def _recorded(
        self, movement_id: str, kind: str, at: datetime, unit: str | None, source: str,
        identity: dict[str, Any], raw: str, trace: dict[str, Any],
    ) -> None:
        # `raw` is the message as the hospital sent it, kept for audit only.
        self.movements.append(Movement(movement_id, kind, at, unit, len(self.movements)))
        # The last message's identity (an A08 updates it); what it leaves out (an INS) is kept.
        self.identity = {**self.identity, **{k: v for k, v in identity.items() if v}}
        self.source = source

    def match(self, patient_id: uuid.UUID, by: str, trace: dict[str, Any]) -> None:
        if self.patient_id == patient_id:
            return
        if self.patient_id is not None:
            raise AlreadyMatched(f"admission already matched to patient {self.patient_id}")
        self._matched(patient_id=patient_id, by=by, trace=trace)
        last = max(self.movements, key=lambda m: (m.at, m.seq)) if self.movements else None
        if last is not None:
            self._announce(getattr(self, "source", "json"), last.movement_id, last.at, trace)

    @event("Matched", topic="admissions:Admission.Matched.v1")
    def _matched(self, patient_id: uuid.UUID, by: str, trace: dict[str, Any]) -> None:
        self.patient_id, self.unmatched_reason = patient_id, None

    def leave_unmatched(self, reason: str, trace: dict[str, Any]) -> None:
        if self.patient_id is None and reason != self.unmatched_reason:
            self._unmatched(reason=reason, trace=trace)

    @event("Unmatched", topic="admissions:Admission.Unmatched.v1")
    def _unmatched(self, reason: str, trace: dict[str, Any]) -> None:
        self.unmatched_reason = reason

    def _announce(self, source: str, movement_id: str, at: datetime, trace: dict[str, Any]) -> None:
        if self.patient_id is None:
            return
        now, before = effective(self.movements), self.announced
        what: list[tuple[str, str | None, list[uuid.UUID]]] = []  # (kind, cancelled, retracted)
        if now.state == "admitted":
            if before.state == "discharged":
                what.append(("cancelled", "discharge", [self.announcements["discharged"]]))
            elif before.state != "admitted":
                what.append(("hospitalised", None, []))
            elif now.unit != before.unit:
                what.append(("transferred", None, []))
        elif now.state == "discharged" and before.state != "discharged":
            what.append(("discharged", None, []))
        elif now.state in ("none", "cancelled") and before.state in ("admitted", "discharged"):
            retracted = [self.announcements[k] for k in ("hospitalised", "discharged") if k in self.announcements]
            what.append(("cancelled", "admission", retracted))
        for kind, cancelled, retracted in what:
            self._announced(
                finess=self.finess, hospital_name=self.hospital_name, visit_number=self.visit_number,
                kind=kind, patient_id=self.patient_id, state=now.state, unit=now.unit,
                admitted_at=now.admitted_at, discharged_at=now.discharged_at, movement_at=at,
                source=source, source_message_id=movement_id, cancelled=cancelled,
                retracts=retracted, trace=trace,
            )

    def _announced(self, **fields: Any) -> None:
        # The id its integration event will have (see `envelope`): a retraction names it.
        self._announcement(event_id=event_id_for(self.id, self.version + 1), **fields)

    @event("Announced", topic="admissions:Admission.Announced.v1")
    def _announcement(
        self, finess: str, hospital_name: str | None, visit_number: str, kind: str, patient_id: uuid.UUID,
        state: str, unit: str | None, admitted_at: datetime | None, discharged_at: datetime | None,
        movement_at: datetime, source: str, source_message_id: str,
        cancelled: str | None, retracts: list[uuid.UUID], event_id: uuid.UUID, trace: dict[str, Any],
    ) -> None:
        self.announcements[kind] = event_id
        self.announced = Effective(state, unit, admitted_at, discharged_at)  # type: ignore[arg-type]
