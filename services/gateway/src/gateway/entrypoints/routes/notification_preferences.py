"""The caller's own notification preferences (alerting keeps them): email, SMS and a phone."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ecovid_api.alerts import NotificationPreferences

from gateway.entrypoints.answers import answers
from gateway.entrypoints.deps import CorrelationId, GatewayDep, Professional

router = APIRouter(prefix="/api/v1/me/notification-preferences", tags=["alerts"])


@router.get("", **answers(NotificationPreferences))
async def preferences(user: Professional, gw: GatewayDep, cid: CorrelationId) -> Any:
    return await gw.services.alerting.call(
        "GET", f"/preferences/{user.subject_id}", principal=user, correlation_id=cid)


@router.put("", **answers(NotificationPreferences))
async def set_preferences(body: NotificationPreferences, user: Professional, gw: GatewayDep, cid: CorrelationId) -> Any:
    """SMS needs a phone number: without one, a 422 naming `phone`."""
    return await gw.services.alerting.call(
        "PUT", f"/preferences/{user.subject_id}", json=body.model_dump(), principal=user, correlation_id=cid)
