"""From a stored domain event to integration events: what a translation is, and the envelope fields."""

from __future__ import annotations

import uuid
from collections.abc import Container, Iterable
from typing import Any, Protocol

from eventsourcing.domain import DomainEventProtocol

from ecovid_events import IntegrationEvent, event_id_for


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


class _EveryType(Container[str]):
    def __contains__(self, event_type: object) -> bool:
        return True


# What the outbox asks `translate` for: every integration event (a local projection asks
# only for the types its handlers apply, so a translation may skip building the others).
EVERY: Container[str] = _EveryType()


class Translate(Protocol):
    """A service's stored domain event as integration events. `wanted` names the event types
    the caller will use (default: every type); a translation may skip building the others
    (what a projection does not apply costs nothing), the caller filters in any case."""

    def __call__(self, event: DomainEventProtocol, wanted: Container[str] = ..., /) -> Iterable[IntegrationEvent]:
        ...
