"""The alert aggregate: raised once per alarming event, then acknowledged."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate, event

ALERT_NAMESPACE = uuid.UUID("0b5d7c1e-8a43-4e4f-b1f4-3f0f6b9a2d55")


class AlreadyAcknowledged(Exception):
    """An alert is acknowledged once; the first professional to do so is kept."""


class Alert(Aggregate):
    @staticmethod
    def create_id(source_event_id: uuid.UUID) -> uuid.UUID:
        # One alert per source event, whatever the number of deliveries.
        return uuid.uuid5(ALERT_NAMESPACE, str(source_event_id))

    @event("Raised", topic="alerting:Alert.Raised.v1")
    def __init__(
        self,
        source_event_id: uuid.UUID,
        patient_id: uuid.UUID,
        kind: str,
        level: str,
        summary: str,
        reading_id: uuid.UUID | None,
        trace: dict[str, Any],
    ) -> None:
        self.patient_id = patient_id
        self.reading_id = reading_id
        self.kind, self.level, self.summary = kind, level, summary
        self.status = "raised"
        self.acknowledged_by: str | None = None

    def acknowledge(self, professional_id: str, at: datetime, trace: dict[str, Any]) -> None:
        if self.status != "raised":
            raise AlreadyAcknowledged(f"alert is already {self.status}")
        self._acknowledge(
            professional_id=professional_id, at=at, patient_id=self.patient_id, trace=trace
        )

    @event("Acknowledged", topic="alerting:Alert.Acknowledged.v1")
    def _acknowledge(
        self, professional_id: str, at: datetime, patient_id: uuid.UUID, trace: dict[str, Any]
    ) -> None:
        self.status = "acknowledged"
        self.acknowledged_by = professional_id
