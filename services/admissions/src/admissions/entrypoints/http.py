"""Internal HTTP API of admissions (called by the gateway only)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from ecovid_api.admissions import AdmissionView, MatchBody, UnmatchedStay
from ecovid_platform.http import ActorDep, CorrelationDep
from ecovid_platform.paging import Limit, Offset
from ecovid_platform.storage import Storage

from admissions import stays
from admissions.application import AdmissionsApplication
from admissions.domain.admission import Admission


def router(app: AdmissionsApplication, storage: Storage) -> APIRouter:
    api = APIRouter(prefix="/admissions", tags=["admissions"])

    @api.get("/unmatched", response_model=list[UnmatchedStay])
    def unmatched(limit: Limit = 100, offset: Offset = 0) -> list[dict[str, Any]]:
        with storage.transaction() as session:
            return stays.list_unmatched(session, limit, offset)

    @api.get("/{admission_id}", response_model=AdmissionView)
    def admission(admission_id: uuid.UUID) -> dict[str, Any]:
        return _admission(app.admission(admission_id))

    @api.post("/{admission_id}/match", response_model=AdmissionView)
    def match(admission_id: uuid.UUID, body: MatchBody, actor: ActorDep,
              correlation_id: CorrelationDep) -> dict[str, Any]:
        return _admission(app.match_by_hand(admission_id, body.patient_id, actor, correlation_id))

    return api


def _admission(found: Admission) -> dict[str, Any]:
    return {
        "id": str(found.id), "finess": found.finess, "visit_number": found.visit_number,
        "patient_id": str(found.patient_id) if found.patient_id else None,
        "unmatched_reason": found.unmatched_reason, "state": found.current.state,
        "identity": found.identity, "movements": len(found.movements),
    }
