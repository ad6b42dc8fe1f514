"""Use cases of care-circle: register structures and professionals, manage circles."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.persistence import IntegrityError

from ecovid_events import Actor
from ecovid_events.dossier import PatientRegistered
from ecovid_platform.application import ServiceApplication, retry_on_conflict, trace
from ecovid_platform.errors import Conflict, Forbidden, NotFound, Unprocessable

from care_circle.domain.circle import ROLES, CareCircle, ProfessionalScope
from care_circle.domain.directory import Professional, Structure

# The platform (a consumer) and an administrator (internal calls) are not held to the
# circle's managing roles; the gateway never lets an administrator reach a patient route.
TRUSTED = ("platform", "admin")


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
        """A managing member adds a colleague with one of ROLES (the platform: anyone)."""
        circle = self.circle(patient_id)
        # "creator": the registering professional joins the patient's new, empty circle. The
        # gateway asks it, and this service does it too from PatientRegistered: whichever comes
        # second finds the creator there already, and is a no-op, not a 422 (seen in a test run).
        already = circle.members.get(str(professional_id)) == "creator"
        founding = role == "creator" and actor.id == str(professional_id) and (not circle.members or already)
        if role not in ROLES and not founding:
            raise Unprocessable(f"role must be one of {', '.join(ROLES)}", field="role")
        if not (actor.kind in TRUSTED or founding or circle.may_manage(actor.id)):
            raise Forbidden("adding a member takes the attending physician's or a coordinator's role")
        if not self.professional(professional_id).active:
            raise Conflict("this professional is deactivated", field="professional_id")
        if str(professional_id) in circle.members:
            return
        circle.add(professional_id, role, trace(actor, correlation_id))
        self.save(circle, self._joined(professional_id, patient_id, role))

    @retry_on_conflict()
    def remove_member(
        self, patient_id: uuid.UUID, professional_id: uuid.UUID, actor: Actor, correlation_id: str
    ) -> None:
        circle = self.circle(patient_id)
        dismissing = None if actor.kind in TRUSTED else actor.id
        if not circle.dismiss(dismissing, professional_id, trace(actor, correlation_id)):
            raise NotFound("this professional is not in the care circle", field="professional_id")
        scope = self.scope(professional_id)
        scope.left(patient_id)
        self.save(circle, scope)

    @retry_on_conflict()
    def declare_emergency_access(
        self, patient_id: uuid.UUID, professional_id: uuid.UUID, reason: str, hours: float,
        actor: Actor, correlation_id: str,
    ) -> datetime:
        """Bris de glace: a professional outside the circle sees the patient for `hours`."""
        if not self.professional(professional_id).active:
            raise Conflict("this professional is deactivated", field="professional_id")
        now = datetime.now(UTC)
        expires_at = now + timedelta(hours=hours)
        circle = self.circle(patient_id)
        circle.declare_emergency(
            professional_id=professional_id, reason=reason, declared_at=now, expires_at=expires_at,
            patient_id=patient_id, trace=trace(actor, correlation_id),
        )
        scope = self.scope(professional_id)
        scope.emergency(patient_id, expires_at)
        self.save(circle, scope)
        return expires_at

    def allows(self, patient_id: uuid.UUID, professional_id: uuid.UUID) -> bool:
        return self.role_in_circle(patient_id, professional_id) is not None

    def role_in_circle(self, patient_id: uuid.UUID, professional_id: uuid.UUID) -> str | None:
        """Read from the circle itself (never a read model): a removal counts at once."""
        found = self.find(CareCircle.create_id(patient_id), CareCircle)
        return None if found is None else found.role_of(professional_id, datetime.now(UTC))

    def visible_patients(self, professional_id: uuid.UUID) -> list[str]:
        return self.scope(professional_id).visible(datetime.now(UTC))

    @retry_on_conflict()
    def deactivate_professional(self, professional_id: uuid.UUID, actor: Actor, correlation_id: str) -> None:
        professional = self.professional(professional_id)
        if professional.active:
            professional.deactivate(trace(actor, correlation_id))
            self.save(professional)

    def scope(self, professional_id: uuid.UUID) -> ProfessionalScope:
        return self.find(ProfessionalScope.create_id(professional_id), ProfessionalScope) or ProfessionalScope(
            professional_id=professional_id
        )

    def _joined(self, professional_id: uuid.UUID, patient_id: uuid.UUID, role: str) -> ProfessionalScope:
        scope = self.scope(professional_id)
        scope.joined(patient_id, role)
        return scope

    def creator_joins_circle(self, event: PatientRegistered) -> list[CareCircle]:
        """The professional who registers a patient joins the patient's care circle."""
        circle = self.circle(event.patient_id)
        if circle.caused_by(event.event_id):
            return []  # applied before: the creator may have been removed since
        creator = event.payload.registered_by
        if not creator:
            return [circle]
        circle.add(uuid.UUID(creator), "creator", trace(event.actor, event.correlation_id, str(event.event_id)))
        return [circle, self._joined(uuid.UUID(creator), event.patient_id, "creator")]

    def circle(self, patient_id: uuid.UUID) -> CareCircle:
        return self.find(CareCircle.create_id(patient_id), CareCircle) or CareCircle(patient_id=patient_id)

    def structure(self, structure_id: uuid.UUID) -> Structure:
        return self.get_or_404(structure_id, Structure, "structure_id")

    def named(self, professional_id: uuid.UUID) -> dict[str, str | None]:
        """A member's name and profession as the directory has them (nothing if unknown)."""
        found = self.find(professional_id, Professional)
        if found is None:
            return {}
        return {k: found.profile.get(k) for k in ("first_name", "last_name", "profession")}

    def professional(self, professional_id: uuid.UUID) -> Professional:
        return self.get_or_404(professional_id, Professional, "professional_id")
