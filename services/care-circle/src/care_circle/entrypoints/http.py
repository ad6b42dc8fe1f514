"""Internal HTTP API of care-circle (called by the gateway only)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from ecovid_api.access import EmergencyAccess, EmergencyCommand, ProfessionalListed, StructureListed
from ecovid_api.care_circle import CircleAccess, Created, Member, MemberCommand, ProfessionalIn, StructureIn
from ecovid_platform.http import ActorDep, CorrelationDep
from ecovid_platform.paging import Limit, Offset
from ecovid_platform.storage import Storage

from care_circle import directory_index
from care_circle.application import CareCircleApplication
from care_circle.domain.circle import sees_documents_and_notes


def router(app: CareCircleApplication) -> APIRouter:
    api = APIRouter(tags=["care circle"])

    @api.post("/structures", status_code=201, response_model=Created)
    def structure(body: StructureIn, actor: ActorDep, correlation_id: CorrelationDep) -> dict[str, str]:
        return {"id": str(app.register_structure(body.name, body.kind, body.finess, actor, correlation_id))}

    @api.get("/structures/{structure_id}")
    def structure_of(structure_id: uuid.UUID) -> dict[str, Any]:
        found = app.structure(structure_id)
        return {"id": str(found.id), "name": found.name, "kind": found.kind, "finess": found.finess}

    @api.post("/professionals", status_code=201, response_model=Created)
    def professional(body: ProfessionalIn, actor: ActorDep, correlation_id: CorrelationDep) -> dict[str, str]:
        profile = body.model_dump(mode="json", exclude={"email"})
        return {"id": str(app.register_professional(str(body.email), profile, actor, correlation_id))}

    @api.get("/professionals/{professional_id}")
    def profile(professional_id: uuid.UUID) -> dict[str, Any]:
        found = app.professional(professional_id)
        return {"id": str(found.id), "email": found.email, **found.profile}

    @api.get("/patients/{patient_id}/members", response_model=list[Member])
    def members(patient_id: uuid.UUID) -> list[dict[str, Any]]:
        circle = app.circle(patient_id)
        return [{"professional_id": pid, "role": role, **app.named(uuid.UUID(pid))}
                for pid, role in circle.members.items()]

    @api.post("/patients/{patient_id}/members", status_code=201, response_model=Member)
    def add(
        patient_id: uuid.UUID, body: MemberCommand, actor: ActorDep, correlation_id: CorrelationDep
    ) -> dict[str, str]:
        app.add_member(patient_id, body.professional_id, body.role, actor, correlation_id)
        return {"professional_id": str(body.professional_id), "role": body.role}

    @api.delete("/patients/{patient_id}/members/{professional_id}", status_code=204)
    def remove(
        patient_id: uuid.UUID, professional_id: uuid.UUID, actor: ActorDep, correlation_id: CorrelationDep
    ) -> Response:
        app.remove_member(patient_id, professional_id, actor, correlation_id)
        return Response(status_code=204)

    @api.get("/access", response_model=CircleAccess)
    def access(patient_id: uuid.UUID, professional_id: uuid.UUID) -> dict[str, Any]:
        """Whether the professional sees the patient, in which role, and what that role opens."""
        role = app.role_in_circle(patient_id, professional_id)
        return {"allowed": role is not None, "role": role, "documents_and_notes": sees_documents_and_notes(role)}

    @api.get("/professionals/{professional_id}/scope")
    def scope(professional_id: uuid.UUID) -> dict[str, Any]:
        """What the gateway filters lists with: the patients this professional may see now."""
        found = app.professional(professional_id)
        return {"patient_ids": app.visible_patients(professional_id), "active": found.active,
                "profession": found.profile.get("profession"), "structure_id": found.profile.get("structure_id")}

    @api.post("/professionals/{professional_id}/deactivate", status_code=204)
    def deactivate(professional_id: uuid.UUID, actor: ActorDep, correlation_id: CorrelationDep) -> Response:
        app.deactivate_professional(professional_id, actor, correlation_id)
        return Response(status_code=204)

    @api.post("/patients/{patient_id}/emergency-access", status_code=201, response_model=EmergencyAccess)
    def emergency(
        patient_id: uuid.UUID, body: EmergencyCommand, actor: ActorDep, correlation_id: CorrelationDep
    ) -> dict[str, str]:
        expires_at = app.declare_emergency_access(
            patient_id, body.professional_id, body.reason, body.hours, actor, correlation_id
        )
        return {"patient_id": str(patient_id), "professional_id": str(body.professional_id),
                "expires_at": expires_at.isoformat()}

    return api


def directory_router(storage: Storage) -> APIRouter:
    """The directory's search (its own read model, a moment behind a registration)."""
    api = APIRouter(tags=["directory"])

    @api.get("/structures", response_model=list[StructureListed])
    def structures(limit: Limit = 100, offset: Offset = 0) -> list[dict[str, Any]]:
        with storage.sessions() as session:
            return directory_index.list_structures(session, limit, offset)

    @api.get("/directory/professionals", response_model=list[ProfessionalListed])
    def professionals(
        name: Annotated[str, Query(min_length=2, max_length=100)] | None = None,
        profession: Literal["doctor", "nurse", "coordinator", "other"] | None = None,
        structure_id: uuid.UUID | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> list[dict[str, Any]]:
        with storage.sessions() as session:
            return directory_index.search_professionals(session, name, profession, structure_id, limit, offset)

    return api
