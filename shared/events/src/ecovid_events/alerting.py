"""Events published by the alerting service (alerts and their life cycle)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from ecovid_events.envelope import IntegrationEvent

AlertKind = Literal["threshold", "missed_report", "hospitalised", "discharged", "emergency_access"]


class AlertRaisedPayload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    alert_id: uuid.UUID
    kind: AlertKind
    level: Literal["watch", "alert"]
    raised_at: AwareDatetime
    source_event_id: uuid.UUID
    reading_id: uuid.UUID | None = None
    summary: str
    episode_id: uuid.UUID | None = None  # None on alerts raised before it was kept
    # The care-circle members told, by the recipient policy (empty before it was kept).
    recipients: list[uuid.UUID] = []


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


class AlertUpdatedPayload(BaseModel):
    """A further alarming event absorbed by an open alert: how many so far, the latest
    reading, the worst level reached."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    alert_id: uuid.UUID
    occurrences: int
    level: Literal["watch", "alert"]
    summary: str
    reading_id: uuid.UUID | None = None
    source_event_id: uuid.UUID
    updated_at: AwareDatetime


class AlertUpdated(IntegrationEvent):
    event_type: Literal["AlertUpdated"] = "AlertUpdated"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: AlertUpdatedPayload


class AlertEscalatedPayload(BaseModel):
    """Not acknowledged in time: step 1 tells the coordinators, step 2 the administrators."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    alert_id: uuid.UUID
    step: int
    to_roles: list[str]
    escalated_at: AwareDatetime
    recipients: list[uuid.UUID] = []  # the circle members of those roles, now told too


class AlertEscalated(IntegrationEvent):
    event_type: Literal["AlertEscalated"] = "AlertEscalated"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: AlertEscalatedPayload


ResolutionReason = Literal[
    "taken_care_of", "false_alarm", "hospitalised", "cancelled_by_hospital", "other",
    # Given by the platform only: a missed-report alert ends when a reading arrives.
    "reading_received",
]


class AlertResolvedPayload(BaseModel):
    """An alert ended: by whom (a user, or "platform"), why, and any note (for a retraction by
    the hospital, its reason)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    alert_id: uuid.UUID
    resolved_at: AwareDatetime
    resolved_by: str
    reason: ResolutionReason
    note: str | None = None


class AlertResolved(IntegrationEvent):
    event_type: Literal["AlertResolved"] = "AlertResolved"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: AlertResolvedPayload


class NotificationFailedPayload(BaseModel):
    """A notification of the alert that could not be sent after its retries (or never could)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    alert_id: uuid.UUID
    recipient_id: uuid.UUID
    channel: Literal["email", "sms"]
    step: int
    reason: str
    failed_at: AwareDatetime


class NotificationFailed(IntegrationEvent):
    event_type: Literal["NotificationFailed"] = "NotificationFailed"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: NotificationFailedPayload
