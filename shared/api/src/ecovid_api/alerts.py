"""Alerts: the alert list, an alert's state after an action, the resolution body and the
caller's notification preferences."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from ecovid_api.common import Timestamp

AlertStatus = Literal["raised", "acknowledged", "escalated", "resolved"]
AlertKind = Literal["threshold", "missed_report", "hospitalised", "discharged", "emergency_access"]
AlertLevel = Literal["watch", "alert"]
# What a person may give; the platform's own `reading_received` is not among them.
UserReason = Literal["taken_care_of", "false_alarm", "hospitalised", "cancelled_by_hospital", "other"]

_ALERT = "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"
_PATIENT = "9a7b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"


class Alert(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": _ALERT, "kind": "threshold", "level": "alert",
        "patient_id": _PATIENT, "status": "raised",
        "summary": "SpO2 91 %", "reading_id": "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b",
        "raised_at": "2026-11-30T07:15:02+00:00", "acknowledged_at": None, "acknowledged_by": None,
        "episode_id": "5b0c9d1e-2f3a-4b4c-8d5e-6f7a8b9c0d1e", "occurrences": 2,
        "updated_at": "2026-11-30T07:45:10+00:00", "escalation_step": 0, "escalated_at": None,
        "resolved_at": None, "resolved_by": None, "resolution_reason": None, "resolution_note": None,
        "failed_notifications": 0, "read": False,
    }]})

    id: uuid.UUID
    kind: str
    level: str | None = None
    patient_id: uuid.UUID
    status: AlertStatus
    summary: str | None = None
    reading_id: uuid.UUID | None = None
    raised_at: Timestamp
    acknowledged_at: Timestamp | None = None
    acknowledged_by: str | None = None
    episode_id: uuid.UUID | None = None
    occurrences: int = Field(1, description="alarming events taken into this open alert")
    updated_at: Timestamp | None = None
    escalation_step: int = 0
    escalated_at: Timestamp | None = None
    resolved_at: Timestamp | None = None
    resolved_by: str | None = Field(None, description='a professional, "platform" or "hospital"')
    resolution_reason: str | None = None
    resolution_note: str | None = Field(None, description="for a retraction by the hospital, its reason")
    failed_notifications: int = 0
    read: bool | None = Field(None, description="read by the caller (only in a caller's own list)")


class AlertState(BaseModel):
    """The alert as it stands just after an action on it (the list may lag a moment)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": _ALERT, "patient_id": _PATIENT, "kind": "threshold", "level": "alert",
        "status": "acknowledged", "occurrences": 1, "escalation_step": 0,
        "acknowledged_by": "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c", "resolved_by": None,
        "resolution_reason": None,
    }]})

    id: uuid.UUID
    patient_id: uuid.UUID
    kind: str
    level: str
    status: AlertStatus
    occurrences: int
    escalation_step: int
    acknowledged_by: str | None = None
    resolved_by: str | None = None
    resolution_reason: str | None = None


class ResolveAlert(BaseModel):
    """Why the alert is closed. `other` wants a note saying what happened."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "taken_care_of", "note": "called the patient, oxygen adjusted"},
    ]})

    reason: UserReason
    note: str | None = Field(default=None, max_length=500)


class NotificationPreferences(BaseModel):
    """How a professional wants to be told: email (default on), SMS (default off) to `phone`,
    which SMS needs."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"email": True, "sms": True, "phone": "+33612345678"}],
        # Said in the schema too, so that a client (or a fuzzer) knows it before asking.
        "anyOf": [{"properties": {"sms": {"const": False}}},
                  {"required": ["phone"], "properties": {"phone": {"type": "string"}}}],
    })

    # Strict: "yes", 1 or "true" is a 422, not a silent True (JSON has booleans).
    email: StrictBool = True
    sms: StrictBool = False
    phone: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{6,14}$",
                              description="E.164, such as +33612345678")
