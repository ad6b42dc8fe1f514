"""Internal HTTP API of what the record shows at a glance: the patient summary, the
timeline, and the operators' rebuild of the timeline."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from ecovid_api.record_views import Summary, TimelinePage
from ecovid_platform.moments import Moment
from ecovid_platform.paging import Limit, Offset
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage

from dossier import documents, episodes, timeline, views
from dossier.application import DossierApplication
from dossier.rebuild import rebuild_timeline

LATEST_NOTES = 5
LATEST_DOCUMENTS = 5


def router(app: DossierApplication, storage: Storage, settings: ServiceSettings) -> APIRouter:
    api = APIRouter(tags=["views"])

    @api.get("/patients/{patient_id}/summary", response_model=Summary)
    def summary(patient_id: uuid.UUID) -> dict[str, Any]:
        patient, events = app.patient(patient_id), app.stored_events(patient_id)
        with storage.transaction() as session:
            episode = episodes.current_episode(session, patient_id)
            latest_documents = documents.latest(session, patient_id, LATEST_DOCUMENTS)
        return {
            "id": str(patient_id), "identity": views.identity_history(events)[-1]["identity"],
            **{name.replace("-", "_"): views.section(events, name)["current"]
               for name in ("risk-factors", "medical-history", "allergies", "treatments")},
            "latest_notes": views.notes(events)[:LATEST_NOTES],
            "open_objectives": [o for o in views.objectives(events) if o["status"] == "open"],
            "latest_documents": {"items": latest_documents},
            "care_episode": episode, "version": patient.version,
        }

    @api.get("/patients/{patient_id}/timeline", response_model=TimelinePage)
    def patient_timeline(
        patient_id: uuid.UUID,
        kind: Annotated[list[str] | None, Query(description="event types to keep")] = None,
        exclude: Annotated[list[str] | None, Query(description="event types to leave out")] = None,
        since: Annotated[Moment | None, Query(alias="from")] = None,
        until: Annotated[Moment | None, Query(alias="to")] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        app.patient(patient_id)
        with storage.transaction() as session:
            return timeline.page(session, patient_id, kinds=kind, excluded=exclude, since=_utc(since),
                                 until=_utc(until), limit=limit, offset=offset)

    @api.post("/admin/timeline/rebuild")
    async def rebuild() -> dict[str, Any]:
        return await rebuild_timeline(storage, settings.kafka_bootstrap)

    return api


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None
