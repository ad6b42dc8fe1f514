"""The AsyncAPI 3.0 document of the integration events, made from the event models.

Channels are the Kafka topics (ecovid_events.topics), messages the event types with the
JSON Schema pydantic gives each model (the ones `make schemas` writes one per file), and
one `send` operation per producing service. `make schemas` writes it beside those files
(shared/events/asyncapi.json, committed); a unit test holds the committed file equal to
what the models give now, and the gateway serves it at /asyncapi.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ecovid_events import topics
from ecovid_events.envelope import IntegrationEvent
from ecovid_events.registry import EVENT_TYPES

ASYNCAPI_VERSION = "3.0.0"
EVERY_SERVICE = "every-service"
# The module declaring an event names its producer, and so its topic (one per producer).
PRODUCERS: dict[str, tuple[str, str]] = {
    "ecovid_events.dossier": ("dossier", topics.DOSSIER),
    "ecovid_events.ecovid": ("ecovid-monitor", topics.ECOVID_MONITOR),
    "ecovid_events.alerting": ("alerting", topics.ALERTING),
    "ecovid_events.care_circle": ("care-circle", topics.CARE_CIRCLE),
    "ecovid_events.documents": ("documents", topics.DOCUMENTS),
    "ecovid_events.admissions": ("admissions", topics.ADMISSIONS),
    "ecovid_events.gateway": ("gateway", topics.GATEWAY_AUDIT),
    "ecovid_events.ops": (EVERY_SERVICE, topics.OPS_CHECKPOINTS),
}
# A topic every service writes to, not through its outbox but beside it.
CHANNEL_DESCRIPTIONS = {
    topics.OPS_CHECKPOINTS: "Signed checkpoints of every service's tamper-evidence chain (Ed25519), each stored "
                            "first in the service's own checkpoint table; `ecovid-ops verify-chain` checks them",
}
# Topics whose messages are not integration events of shared/events (the hospitals' own).
OTHER_TOPICS = {
    topics.HOSPITAL_ADMISSIONS: "Hospital admissions and discharges, as the hospital integration sends them",
    topics.HOSPITAL_ADT_HL7V2: "Hospital ADT messages in HL7 v2, as received",
}
KEY = {
    "type": ["string", "null"],
    "format": "uuid",
    "description": "The patient id (UTF-8): one patient's events stay in order on one partition; "
                   "null for an event of no patient.",
}
_REF = "#/components/schemas/{model}"


def _channel_id(topic: str) -> str:
    return topic.replace(".", "-")


def producer_of(event_type: type[IntegrationEvent]) -> tuple[str, str]:
    """(service, topic) of an event type; a new event module must be named in PRODUCERS."""
    return PRODUCERS[event_type.__module__]


def document() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for event_type in EVENT_TYPES:
        service, topic = producer_of(event_type)
        schema = event_type.model_json_schema(ref_template=_REF)
        for shared_name, shared in schema.pop("$defs", {}).items():
            if schemas.setdefault(shared_name, shared) != shared:
                raise ValueError(f"two different models named {shared_name}: rename one")
        name = event_type.__name__
        schemas[name] = schema
        version = event_type.model_fields["schema_version"].default
        messages[name] = {
            "name": name,
            "title": f"{name} v{version}",
            "summary": (event_type.__doc__ or "").strip().split("\n")[0] or name,
            "contentType": "application/json",
            "payload": {"$ref": _REF.format(model=name)},
            "bindings": {"kafka": {"key": KEY, "bindingVersion": "0.5.0"}},
        }
        channel = channels.setdefault(_channel_id(topic), {
            "address": topic,
            "description": CHANNEL_DESCRIPTIONS.get(
                topic, f"Integration events of {service}, relayed in order from its outbox; "
                       f"what a consumer cannot use goes to {topics.dead_letter(topic)}"),
            "messages": {},
        })
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
        operation = operations.setdefault(f"{service}-publishes", {
            "action": "send",
            "channel": {"$ref": f"#/channels/{_channel_id(topic)}"},
            "summary": "each service publishes its chain's checkpoints" if service == EVERY_SERVICE
            else f"{service} publishes its integration events",
            "messages": [],
        })
        operation["messages"].append({"$ref": f"#/channels/{_channel_id(topic)}/messages/{name}"})
    for topic, description in OTHER_TOPICS.items():
        channels[_channel_id(topic)] = {"address": topic, "description": description}
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "e-COVID integration events",
            "version": "1",
            "description": "Events the services publish on Kafka. Each carries the envelope "
                           "(event_id, event_type, schema_version, occurred_at, producer, patient_id, "
                           "correlation_id, causation_id, actor) and a typed payload; a consumer "
                           "recognises a duplicate by event_id.",
        },
        "defaultContentType": "application/json",
        "channels": dict(sorted(channels.items())),
        "operations": operations,
        "components": {"schemas": dict(sorted(schemas.items())), "messages": messages},
    }


def render() -> str:
    """The document as written to the file: stable key order, so a diff shows a real change."""
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "asyncapi.json")
    target.write_text(render(), encoding="utf-8")
    print(target)
