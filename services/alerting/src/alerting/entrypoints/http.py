"""Internal HTTP API of alerting (called by the gateway only)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from ecovid_api import alerts as answers
from ecovid_api.alerts import AlertKind, AlertLevel, AlertStatus, NotificationPreferences, ResolveAlert
from ecovid_events import Actor
from ecovid_platform.errors import Unprocessable
from ecovid_platform.http import ActorDep, CorrelationDep
from ecovid_platform.paging import Limit, Offset
from ecovid_platform.storage import Storage

from alerting import read_models
from alerting.application import AlertingApplication
from alerting.domain.alert import Alert
from alerting.notifications import outbox


def router(app: AlertingApplication, storage: Storage) -> APIRouter:
    api = APIRouter(tags=["alerts"])
    api.include_router(_alerts(app, storage))

    @api.get("/preferences/{professional_id}", response_model=NotificationPreferences)
    def preferences(professional_id: uuid.UUID) -> dict[str, Any]:
        with storage.transaction() as session:
            return outbox.preferences_of(session, professional_id)

    @api.put("/preferences/{professional_id}", response_model=NotificationPreferences)
    def set_preferences(professional_id: uuid.UUID, body: NotificationPreferences) -> dict[str, Any]:
        if body.sms and not body.phone:
            raise Unprocessable("SMS needs a phone number", field="phone")
        with storage.transaction() as session:
            outbox.set_preferences(session, professional_id, body.model_dump())
            return outbox.preferences_of(session, professional_id)

    return api


def _alerts(app: AlertingApplication, storage: Storage) -> APIRouter:
    api = APIRouter(prefix="/alerts")

    @api.get("/feed")
    def feed(
        recipient: uuid.UUID, after: Annotated[int, Query(ge=0, le=2**62)] = 0,
        limit: Annotated[int, Query(ge=0, le=500)] = 200,
    ) -> dict[str, Any]:
        """What the gateway's SSE stream relays: changes after `after`, and the feed's end."""
        with storage.transaction() as session:
            return read_models.feed(session, recipient, after, limit)

    @api.get("", response_model=list[answers.Alert])
    def alerts(
        response: Response,
        patient_id: uuid.UUID | None = None,
        status: AlertStatus | None = None,
        kind: AlertKind | None = None,
        level: AlertLevel | None = None,
        recipient: uuid.UUID | None = None,
        reader: uuid.UUID | None = None,
        unread: bool | None = None,
        before: Annotated[str | None, Query(max_length=64)] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[dict[str, Any]]:
        """Newest first. A full page names the next one in `X-Next-Before` (give it as `before`)."""
        with storage.transaction() as session:
            try:
                page, following = read_models.list_alerts(
                    session, patient_id=patient_id, status=status, recipient=recipient, reader=reader, kind=kind,
                    level=level, unread=unread, before=before, limit=limit, offset=offset,
                )
            except read_models.BadCursor as error:
                raise Unprocessable(str(error), field="before") from None
        if following is not None:
            response.headers["X-Next-Before"] = following
        return page

    @api.get("/{alert_id}", response_model=answers.AlertState)
    def alert(alert_id: uuid.UUID) -> dict[str, Any]:
        return _state(app.alert(alert_id))

    @api.post("/{alert_id}/acknowledge", response_model=answers.AlertState)
    def acknowledge(alert_id: uuid.UUID, actor: ActorDep, correlation_id: CorrelationDep) -> dict[str, Any]:
        done = app.acknowledge(alert_id, actor, correlation_id)
        _read_by(actor, alert_id)  # who acknowledges it has read it
        return _state(done)

    @api.post("/{alert_id}/read", status_code=204)
    def read(alert_id: uuid.UUID, actor: ActorDep) -> None:
        app.alert(alert_id)  # 404 for an unknown alert
        _read_by(actor, alert_id)

    def _read_by(actor: Actor, alert_id: uuid.UUID) -> None:
        professional = _uuid(actor.id)
        if professional is not None:
            with storage.transaction() as session:
                read_models.mark_read(session, alert_id, professional, datetime.now(UTC))

    @api.post("/{alert_id}/resolve", response_model=answers.AlertState)
    def resolve(
        alert_id: uuid.UUID, body: ResolveAlert, actor: ActorDep, correlation_id: CorrelationDep
    ) -> dict[str, Any]:
        return _state(app.resolve(alert_id, actor, body.reason, body.note, correlation_id))

    return api


def _uuid(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


def _state(alert: Alert) -> dict[str, Any]:
    """The aggregate's own state: what a caller acting on it needs at once (the list lags)."""
    return {
        "id": str(alert.id), "patient_id": str(alert.patient_id), "kind": alert.kind,
        "level": alert.level, "status": alert.status, "occurrences": alert.occurrences,
        "escalation_step": alert.escalation_step, "acknowledged_by": alert.acknowledged_by,
        "resolved_by": alert.resolved_by, "resolution_reason": alert.resolution,
    }
