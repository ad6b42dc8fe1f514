"""Use cases of admissions: record a hospital's movement on its stay, match a stay to a patient."""

from __future__ import annotations

import uuid
from typing import Any

from ecovid_events import Actor
from ecovid_events.dossier import PatientIdentityUpdated, PatientRegistered
from ecovid_platform.application import ServiceApplication, retry_on_conflict, trace
from ecovid_platform.errors import Conflict
from ecovid_platform.storage import Storage

from admissions import matching, stays
from admissions.domain.admission import Admission, AlreadyMatched
from admissions.messages import HospitalMovement

HOSPITAL = Actor(kind="hospital")


class AdmissionsApplication(ServiceApplication):
    name = "admissions"
    storage: Storage | None = None  # the read models that matching reads (set by the wiring)

    def record_movement(self, movement: HospitalMovement) -> list[Admission]:
        """Idempotent by movement id: a replayed message returns nothing to save."""
        actor = Actor(kind="hospital", id=movement.finess)
        stamp = trace(actor, movement.correlation_id, movement.movement_id)
        admission = self.find(Admission.create_id(movement.finess, movement.visit_number), Admission)
        if admission is None:
            admission = Admission(movement.finess, movement.visit_number, movement.hospital_name, stamp)
        elif admission.has(movement.movement_id):
            return []
        admission.record(
            movement_id=movement.movement_id, kind=movement.kind, at=movement.at, unit=movement.unit,
            source=movement.source, identity=movement.identity, raw=movement.raw, trace=stamp,
        )
        if admission.patient_id is None:
            self._match(admission, stamp)
        return [admission]

    def _match(self, admission: Admission, stamp: dict[str, Any]) -> None:
        assert self.storage is not None, "matching needs the read models"
        with self.storage.transaction() as session:
            found = matching.find_patient(session, admission.identity)
            if found.patient_id is not None and admission.identity.get("ins"):
                matching.link_ins(session, admission.identity["ins"], found.patient_id)
        if found.patient_id is None:
            admission.leave_unmatched(found.how, stamp)
        else:
            admission.match(found.patient_id, found.how, stamp)

    def identity_known(self, event: PatientRegistered | PatientIdentityUpdated) -> list[Admission]:
        """A patient registered (or corrected) after their stay arrived: the stays left waiting
        that now match them are matched, and have their effect, late."""
        assert self.storage is not None
        with self.storage.transaction() as session:
            matching.identity_seen(session, event)
            waiting = stays.unmatched_identities(session, event.payload.birth_date)
            found = [(admission_id, matching.find_patient(session, identity)) for admission_id, identity in waiting]
        matched = []
        stamp = trace(Actor(kind="platform"), event.correlation_id, str(event.event_id))
        for admission_id, match in found:
            admission = self.find(admission_id, Admission) if match.patient_id == event.patient_id else None
            if admission is not None and admission.patient_id is None:
                admission.match(event.patient_id, match.how, stamp)
                matched.append(admission)
        return matched

    @retry_on_conflict()
    def match_by_hand(self, admission_id: uuid.UUID, patient_id: uuid.UUID, actor: Actor,
                      correlation_id: str) -> Admission:
        """A coordinator's match of a stay left unmatched: its effect comes now, late."""
        admission = self.admission(admission_id)
        try:
            admission.match(patient_id, "by hand", trace(actor, correlation_id))
        except AlreadyMatched as error:
            raise Conflict(str(error), field="patient_id") from None
        if admission.identity.get("ins"):
            assert self.storage is not None
            with self.storage.transaction() as session:
                matching.link_ins(session, admission.identity["ins"], patient_id)
        self.save(admission)
        return admission

    def admission(self, admission_id: uuid.UUID) -> Admission:
        return self.get_or_404(admission_id, Admission, "admission_id")
