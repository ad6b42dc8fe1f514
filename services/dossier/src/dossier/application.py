"""Use cases of the dossier: register a patient, read a dossier."""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from ecovid_events import Actor
from ecovid_platform.application import ServiceApplication, trace
from ecovid_platform.http import NotFound

from dossier.domain.patient import Patient


class DossierApplication(ServiceApplication):
    name = "dossier"

    def register_patient(
        self, identity: dict[str, Any], actor: Actor, correlation_id: str
    ) -> uuid.UUID:
        patient = Patient(
            identity=identity,
            registered_by=actor.id if actor.kind == "professional" else None,
            trace=trace(actor, correlation_id),
        )
        self.save(patient)
        return patient.id

    def patient(self, patient_id: uuid.UUID) -> Patient:
        try:
            return self.repository.get(patient_id)
        except AggregateNotFoundError:
            raise NotFound(f"patient {patient_id} not found", field="patient_id") from None
