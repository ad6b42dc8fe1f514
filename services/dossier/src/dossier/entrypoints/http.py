"""Internal HTTP API of the dossier (called by the gateway only): register, search, read."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from ecovid_api.common import Created
from ecovid_api.identity import IdentityIn, PatientSearch
from ecovid_api.record_views import Dossier, PatientMatch
from ecovid_platform.errors import Unprocessable
from ecovid_platform.http import ActorDep, CorrelationDep
from ecovid_platform.storage import Storage

from dossier import read_models
from dossier.application import DossierApplication

# A homonym (same names and birth date, another person) is let through only when asked.
ConfirmHomonym = Annotated[bool, Query()]


def router(app: DossierApplication, storage: Storage) -> APIRouter:
    api = APIRouter(prefix="/patients", tags=["patients"])

    @api.post("", status_code=201, response_model=Created)
    def register(
        identity: IdentityIn, actor: ActorDep, correlation_id: CorrelationDep,
        confirm_homonym: ConfirmHomonym = False,
    ) -> dict[str, str]:
        patient_id = app.register_patient(identity, actor, correlation_id, confirm_homonym)
        return {"id": str(patient_id)}

    @api.get("/{patient_id}", response_model=Dossier)
    def dossier(patient_id: uuid.UUID) -> dict[str, Any]:
        patient = app.patient(patient_id)
        return {"id": str(patient.id), "identity": patient.identity, "version": patient.version}

    @api.get("", response_model=list[PatientMatch])
    def search(given: Annotated[PatientSearch, Query()]) -> list[dict[str, Any]]:
        try:
            query = read_models.search_query(given.last_name, given.first_name, given.birth_date, given.limit)
        except read_models.PrefixTooShort as error:
            raise Unprocessable(str(error), field=error.field) from None
        with storage.transaction() as session:
            return [read_models.minimal(row._mapping) for row in session.execute(query)]

    return api
