"""Integration events: the only code every e-COVID service shares with the others."""

from ecovid_events import topics
from ecovid_events.envelope import Actor, IntegrationEvent, event_id_for
from ecovid_events.registry import EVENT_TYPES, InvalidEvent, parse_event

__all__ = [
    "EVENT_TYPES",
    "Actor",
    "IntegrationEvent",
    "InvalidEvent",
    "event_id_for",
    "parse_event",
    "topics",
]
