"""Use cases of care-circle: register structures and professionals, manage circles."""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.persistence import IntegrityError

from ecovid_events import Actor
from ecovid_events.dossier import PatientRegistered
from ecovid_platform.application import ServiceApplication, retry_on_conflict, trace
from ecovid_platform.errors import Conflict, NotFound

from care_circle.domain.circle import CareCircle
from care_circle.domain.directory import Professional, Structure


class CareCircleApplication(ServiceApplication):
    name = "care_circle"

    def register_structure(
        self, name: str, kind: str, finess: str | None, actor: Actor, correlation_id: str
    ) -> uuid.UUID:
        structure = Structure(name=name, kind=kind, finess=finess, trace=trace(actor, correlation_id))
        self.save(structure)
        return structure.id

    def register_professional(
        self, email: str, profile: dict[str, Any], actor: Actor, correlation_id: str
    ) -> uuid.UUID:
        self.structure(uuid.UUID(str(profile["structure_id"])))
        professional = Professional(email=email, profile=profile, trace=trace(actor, correlation_id))
        try:
            self.save(professional)
        except IntegrityError:
            raise Conflict("a professional with this e-mail exists", field="email") from None
        return professional.id

    @retry_on_conflict()
    def add_member(
        self, patient_id: uuid.UUID, professional_id: uuid.UUID, role: str,
        actor: Actor, correlation_id: str,
    ) -> None:
        self.professional(professional_id)
        circle = self.circle(patient_id)
        circle.add(professional_id, role, trace(actor, correlation_id))
        self.save(circle)

    @retry_on_conflict()
    def remove_member(
        self, patient_id: uuid.UUID, professional_id: uuid.UUID, actor: Actor, correlation_id: str
    ) -> None:
        circle = self.circle(patient_id)
        if not circle.remove(professional_id, trace(actor, correlation_id)):
            raise NotFound("this professional is not in the care circle", field="professional_id")
        self.save(circle)

    def creator_joins_circle(self, event: PatientRegistered) -> list[CareCircle]:
        """The professional who registers a patient joins the patient's care circle."""
        circle = self.circle(event.patient_id)
        if circle.caused_by(event.event_id):
            return []  # applied before: the creator may have been removed since
        creator = event.payload.registered_by
        if creator:
            circle.add(
                uuid.UUID(creator), "creator",
                trace(event.actor, event.correlation_id, str(event.event_id)),
            )
        return [circle]

    def circle(self, patient_id: uuid.UUID) -> CareCircle:
        return self.find(CareCircle.create_id(patient_id), CareCircle) or CareCircle(patient_id=patient_id)

    def structure(self, structure_id: uuid.UUID) -> Structure:
        return self.get_or_404(structure_id, Structure, "structure_id")

    def professional(self, professional_id: uuid.UUID) -> Professional:
        return self.get_or_404(professional_id, Professional, "professional_id")
