"""Internal HTTP API of the record: identity corrections, clinical sections, notes, objectives,
each with its history (author and time of every change)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from ecovid_api.identity import IdentityUpdate
from ecovid_api.record import SECTIONS, NoteIn, ObjectiveChange, ObjectiveIn
from ecovid_api.record_views import CreatedText, IdentityChange, IdentityCorrected, Note, Objective, Section
from ecovid_platform.http import ActorDep, CorrelationDep

from dossier import views
from dossier.application import DossierApplication
from dossier.entrypoints.http import ConfirmHomonym


def router(app: DossierApplication) -> APIRouter:
    api = APIRouter(prefix="/patients/{patient_id}", tags=["record"])

    @api.patch("/identity", response_model=IdentityCorrected)
    def correct_identity(
        patient_id: uuid.UUID, update: IdentityUpdate, actor: ActorDep, correlation_id: CorrelationDep,
        confirm_homonym: ConfirmHomonym = False,
    ) -> dict[str, Any]:
        app.update_identity(patient_id, update, actor, correlation_id, confirm_homonym)
        return {
            "id": str(patient_id),
            "identity": views.identity_history(app.stored_events(patient_id))[-1]["identity"],
        }

    @api.get("/identity/history", response_model=list[IdentityChange])
    def identity_history(patient_id: uuid.UUID) -> list[dict[str, Any]]:
        return views.identity_history(app.stored_events(patient_id))

    for name, model in SECTIONS.items():
        _section_routes(api, app, name, model)

    @api.post("/notes", status_code=201, response_model=CreatedText)
    def share_note(
        patient_id: uuid.UUID, note: NoteIn, actor: ActorDep, correlation_id: CorrelationDep
    ) -> dict[str, str]:
        return {"id": app.share_note(patient_id, note, actor, correlation_id)}

    @api.get("/notes", response_model=list[Note])
    def notes(patient_id: uuid.UUID) -> list[dict[str, Any]]:
        return views.notes(app.stored_events(patient_id))

    @api.post("/objectives", status_code=201, response_model=CreatedText)
    def set_objective(
        patient_id: uuid.UUID, objective: ObjectiveIn, actor: ActorDep, correlation_id: CorrelationDep
    ) -> dict[str, str]:
        return {"id": app.set_objective(patient_id, None, objective, actor, correlation_id)}

    @api.patch("/objectives/{objective_id}", response_model=Objective)
    def change_objective(
        patient_id: uuid.UUID, objective_id: uuid.UUID, change: ObjectiveChange, actor: ActorDep,
        correlation_id: CorrelationDep,
    ) -> dict[str, Any]:
        app.set_objective(patient_id, str(objective_id), change, actor, correlation_id)
        found = [o for o in views.objectives(app.stored_events(patient_id)) if o["id"] == str(objective_id)]
        return found[0]

    @api.get("/objectives", response_model=list[Objective])
    def objectives(patient_id: uuid.UUID) -> list[dict[str, Any]]:
        return views.objectives(app.stored_events(patient_id))

    return api


def _section_routes(api: APIRouter, app: DossierApplication, name: str, model: type[BaseModel]) -> None:
    """PUT replaces the section whole; GET gives it with its history."""

    def replace(
        patient_id: uuid.UUID, content: BaseModel, actor: ActorDep, correlation_id: CorrelationDep
    ) -> dict[str, Any]:
        app.update_section(patient_id, name, content.model_dump(mode="json"), actor, correlation_id)
        return views.section(app.stored_events(patient_id), name)

    # The body's model is this section's own, so FastAPI validates and names its fields.
    replace.__annotations__["content"] = model

    def read(patient_id: uuid.UUID) -> dict[str, Any]:
        return views.section(app.stored_events(patient_id), name)

    api.add_api_route(f"/{name}", replace, methods=["PUT"], name=f"replace {name}", response_model=Section)
    api.add_api_route(f"/{name}", read, methods=["GET"], name=f"read {name}", response_model=Section)
