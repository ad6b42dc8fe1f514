"""Internal HTTP API of care-circle (called by the gateway only)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from ecovid_platform.http import ActorDep, CorrelationDep

from care_circle.application import CareCircleApplication

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class StructureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text
    kind: Literal["practice", "hospital", "dac", "medico_social", "other"]
    finess: Annotated[str, StringConstraints(pattern=r"^[0-9AB]{9}$")] | None = None


class ProfessionalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    first_name: Text
    last_name: Text
    profession: Literal["doctor", "nurse", "coordinator", "other"]
    structure_id: uuid.UUID
    rpps: Annotated[str, StringConstraints(pattern=r"^[0-9]{11}$")] | None = None


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    professional_id: uuid.UUID
    role: Text = Field(default="member")


def router(app: CareCircleApplication) -> APIRouter:
    api = APIRouter(tags=["care circle"])

    @api.post("/structures", status_code=201)
    def structure(body: StructureIn, actor: ActorDep, correlation_id: CorrelationDep) -> dict[str, str]:
        return {"id": str(app.register_structure(body.name, body.kind, body.finess, actor, correlation_id))}

    @api.get("/structures/{structure_id}")
    def structure_of(structure_id: uuid.UUID) -> dict[str, Any]:
        found = app.structure(structure_id)
        return {"id": str(found.id), "name": found.name, "kind": found.kind, "finess": found.finess}

    @api.post("/professionals", status_code=201)
    def professional(body: ProfessionalIn, actor: ActorDep, correlation_id: CorrelationDep) -> dict[str, str]:
        profile = body.model_dump(mode="json", exclude={"email"})
        return {"id": str(app.register_professional(str(body.email), profile, actor, correlation_id))}

    @api.get("/professionals/{professional_id}")
    def profile(professional_id: uuid.UUID) -> dict[str, Any]:
        found = app.professional(professional_id)
        return {"id": str(found.id), "email": found.email, **found.profile}

    @api.get("/patients/{patient_id}/members")
    def members(patient_id: uuid.UUID) -> list[dict[str, str]]:
        circle = app.circle(patient_id)
        return [{"professional_id": pid, "role": role} for pid, role in circle.members.items()]

    @api.post("/patients/{patient_id}/members", status_code=201)
    def add(patient_id: uuid.UUID, body: MemberIn, actor: ActorDep, correlation_id: CorrelationDep) -> dict[str, str]:
        app.add_member(patient_id, body.professional_id, body.role, actor, correlation_id)
        return {"professional_id": str(body.professional_id), "role": body.role}

    @api.delete("/patients/{patient_id}/members/{professional_id}", status_code=204)
    def remove(
        patient_id: uuid.UUID, professional_id: uuid.UUID, actor: ActorDep, correlation_id: CorrelationDep
    ) -> Response:
        app.remove_member(patient_id, professional_id, actor, correlation_id)
        return Response(status_code=204)

    @api.get("/access")
    def access(patient_id: uuid.UUID, professional_id: uuid.UUID) -> dict[str, bool]:
        return {"allowed": str(professional_id) in app.circle(patient_id).members}

    return api
