"""Events published by the care-circle service (cercle de soins, directory)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ecovid_events.envelope import IntegrationEvent


class CareTeamMemberPayload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    professional_id: uuid.UUID
    role: str


class CareTeamMemberAdded(IntegrationEvent):
    event_type: Literal["CareTeamMemberAdded"] = "CareTeamMemberAdded"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: CareTeamMemberPayload


class CareTeamMemberRemoved(IntegrationEvent):
    event_type: Literal["CareTeamMemberRemoved"] = "CareTeamMemberRemoved"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: CareTeamMemberPayload
