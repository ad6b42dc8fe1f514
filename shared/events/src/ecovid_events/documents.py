"""Events published by the documents service (documents attached to a patient)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ecovid_events.envelope import IntegrationEvent

DocumentKind = Literal["report", "prescription", "photo", "other"]


class DocumentAddedPayload(BaseModel):
    """Metadata only: the bytes stay in the documents service, fetched through the gateway."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: uuid.UUID
    title: str = Field(min_length=1, max_length=200)
    kind: DocumentKind
    media_type: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)


class DocumentAdded(IntegrationEvent):
    event_type: Literal["DocumentAdded"] = "DocumentAdded"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: DocumentAddedPayload
