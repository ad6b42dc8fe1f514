"""Events published by the care-circle service (cercle de soins, directory)."""

from __future__ import annotations

import uuid
from datetime import datetime
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


class EmergencyAccessPayload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    professional_id: uuid.UUID
    reason: str
    declared_at: datetime
    expires_at: datetime


class EmergencyAccessDeclared(IntegrationEvent):
    """A professional outside the care circle declared an urgent care relationship (bris de
    glace): they see the patient until `expires_at`; the circle is to be alerted."""

    event_type: Literal["EmergencyAccessDeclared"] = "EmergencyAccessDeclared"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: EmergencyAccessPayload


class StructureRegisteredPayload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    structure_id: uuid.UUID
    name: str
    kind: str
    finess: str | None = None


class StructureRegistered(IntegrationEvent):
    """A structure entered the directory (annuaire)."""

    event_type: Literal["StructureRegistered"] = "StructureRegistered"
    schema_version: Literal[1] = 1
    payload: StructureRegisteredPayload


class ProfessionalPayload(BaseModel):
    """What the directory shows of a professional (never their e-mail)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    professional_id: uuid.UUID
    first_name: str
    last_name: str
    profession: str
    structure_id: uuid.UUID


class ProfessionalRegistered(IntegrationEvent):
    event_type: Literal["ProfessionalRegistered"] = "ProfessionalRegistered"
    schema_version: Literal[1] = 1
    payload: ProfessionalPayload


class ProfessionalDeactivatedPayload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    professional_id: uuid.UUID


class ProfessionalDeactivated(IntegrationEvent):
    """An administrator deactivated the professional: no sign-in, no new circle."""

    event_type: Literal["ProfessionalDeactivated"] = "ProfessionalDeactivated"
    schema_version: Literal[1] = 1
    payload: ProfessionalDeactivatedPayload
