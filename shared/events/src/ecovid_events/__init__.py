"""Integration events: the only code every e-COVID service shares with the others."""

from ecovid_events.envelope import Actor, IntegrationEvent, event_id_for
from ecovid_events.registry import EVENT_TYPES, InvalidEvent, parse_event
from ecovid_events import topics

__all__ = [
    "Actor",
    "EVENT_TYPES",
    "IntegrationEvent",
    "InvalidEvent",
    "event_id_for",
    "parse_event",
    "topics",
]
