"""Events published by the alerting service (alerts and their life cycle)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from ecovid_events.envelope import IntegrationEvent

AlertKind = Literal["threshold", "missed_report", "hospitalised", "discharged"]


class AlertRaisedPayload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    alert_id: uuid.UUID
    kind: AlertKind
    level: Literal["watch", "alert"]
    raised_at: AwareDatetime
    source_event_id: uuid.UUID
    reading_id: uuid.UUID | None = None
    summary: str


class AlertRaised(IntegrationEvent):
    event_type: Literal["AlertRaised"] = "AlertRaised"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: AlertRaisedPayload


class AlertAcknowledgedPayload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    alert_id: uuid.UUID
    acknowledged_at: AwareDatetime
    acknowledged_by: str


class AlertAcknowledged(IntegrationEvent):
    event_type: Literal["AlertAcknowledged"] = "AlertAcknowledged"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: AlertAcknowledgedPayload
