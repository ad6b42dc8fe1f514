"""Internal HTTP API of the dossier (called by the gateway only)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from ecovid_platform.http import ActorDep, CorrelationDep
from ecovid_platform.storage import Storage

from dossier import read_models
from dossier.application import DossierApplication
from dossier.domain.identity import IdentityIn


def router(app: DossierApplication, storage: Storage) -> APIRouter:
    api = APIRouter(prefix="/patients", tags=["patients"])

    @api.post("", status_code=201)
    def register(identity: IdentityIn, actor: ActorDep, correlation_id: CorrelationDep) -> dict[str, str]:
        patient_id = app.register_patient(identity.model_dump(), actor, correlation_id)
        return {"id": str(patient_id)}

    @api.get("/{patient_id}")
    def dossier(patient_id: uuid.UUID) -> dict[str, Any]:
        patient = app.patient(patient_id)
        return {"id": str(patient.id), "identity": patient.identity, "version": patient.version}

    @api.get("")
    def search(
        last_name: Annotated[str, Query(min_length=3, max_length=100)],
        first_name: Annotated[str, Query(min_length=3, max_length=100)],
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> list[dict[str, Any]]:
        with storage.transaction() as session:
            return read_models.search(session, last_name, first_name, limit)

    return api


