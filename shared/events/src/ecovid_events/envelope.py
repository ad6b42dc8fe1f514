"""The envelope every integration event carries on Kafka (see the product brief)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, field_validator

# Fixed namespace: event ids must be reproducible by anyone re-publishing the same
# aggregate version, so consumers can recognise a duplicate by its id alone.
EVENT_ID_NAMESPACE = uuid.UUID("6f1c3c9e-2d7b-4c53-9a43-6e0f3c0b7a11")


def event_id_for(source_id: uuid.UUID | str, version: int) -> uuid.UUID:
    """Deterministic event id from the source aggregate id and its version."""
    return uuid.uuid5(EVENT_ID_NAMESPACE, f"{source_id}:{version}")


class Actor(BaseModel):
    """Who caused an event: a professional, the patient, a hospital system, the platform."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["professional", "patient", "hospital", "platform", "admin", "auditor"]
    id: str | None = None


class IntegrationEvent(BaseModel):
    """Envelope fields; each concrete event adds a literal `event_type` and a typed `payload`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: uuid.UUID
    event_type: str
    schema_version: int
    occurred_at: AwareDatetime
    producer: str
    patient_id: uuid.UUID | None = None
    correlation_id: str
    causation_id: str | None = None
    actor: Actor

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.utcoffset() != timedelta(0):
            raise ValueError("occurred_at must be in UTC")
        return value

    def kafka_key(self) -> bytes | None:
        """Patient id as the key, so one patient's events stay in order on one partition."""
        return str(self.patient_id).encode() if self.patient_id else None

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()
