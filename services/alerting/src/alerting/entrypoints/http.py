"""Internal HTTP API of alerting (called by the gateway only)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter

from ecovid_platform.http import ActorDep, CorrelationDep
from ecovid_platform.paging import Limit, Offset
from ecovid_platform.storage import Storage

from alerting import read_models
from alerting.application import AlertingApplication


def router(app: AlertingApplication, storage: Storage) -> APIRouter:
    api = APIRouter(prefix="/alerts", tags=["alerts"])

    @api.get("")
    def alerts(
        patient_id: uuid.UUID | None = None,
        status: Literal["raised", "acknowledged", "escalated", "resolved"] | None = None,
        recipient: uuid.UUID | None = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[dict[str, Any]]:
        with storage.transaction() as session:
            return read_models.list_alerts(
                session, patient_id=patient_id, status=status, recipient=recipient,
                limit=limit, offset=offset,
            )

    @api.get("/{alert_id}")
    def alert(alert_id: uuid.UUID) -> dict[str, Any]:
        found = app.alert(alert_id)
        return {"id": str(found.id), "patient_id": str(found.patient_id), "status": found.status}

    @api.post("/{alert_id}/acknowledge")
    def acknowledge(alert_id: uuid.UUID, actor: ActorDep, correlation_id: CorrelationDep) -> dict[str, Any]:
        found = app.acknowledge(alert_id, actor, correlation_id)
        return {"id": str(found.id), "status": found.status, "acknowledged_by": found.acknowledged_by}

    return api
