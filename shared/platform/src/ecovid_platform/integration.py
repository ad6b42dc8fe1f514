"""Envelope fields of an integration event derived from a stored domain event."""

from __future__ import annotations

import uuid
from typing import Any

from ecovid_events import event_id_for


def envelope(domain_event: Any, producer: str, patient_id: uuid.UUID | None) -> dict[str, Any]:
    """Deterministic id (aggregate id + version), so a re-published event keeps its id."""
    trace = domain_event.trace
    return {
        "event_id": event_id_for(domain_event.originator_id, domain_event.originator_version),
        "occurred_at": domain_event.timestamp,
        "producer": producer,
        "patient_id": patient_id,
        "correlation_id": trace["correlation_id"],
        "causation_id": trace.get("causation_id"),
        "actor": trace["actor"],
    }
