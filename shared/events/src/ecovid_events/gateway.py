"""Events published by the gateway: the access audit trail."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ecovid_events.envelope import IntegrationEvent


class RecordAccessedPayload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    access_id: uuid.UUID
    method: str
    route: str
    status_code: int
    granted: bool
    address: str | None = None  # the caller's network address, as the gateway saw it


class RecordAccessed(IntegrationEvent):
    event_type: Literal["RecordAccessed"] = "RecordAccessed"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: RecordAccessedPayload
