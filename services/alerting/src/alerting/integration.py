"""Translation of stored alert events into integration events (the outbox)."""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Any, get_args

from ecovid_events import IntegrationEvent
from ecovid_events.alerting import (
    AlertAcknowledged,
    AlertAcknowledgedPayload,
    AlertEscalated,
    AlertEscalatedPayload,
    AlertRaised,
    AlertRaisedPayload,
    AlertResolved,
    AlertResolvedPayload,
    AlertUpdated,
    AlertUpdatedPayload,
    NotificationFailed,
    NotificationFailedPayload,
    ResolutionReason,
)
from ecovid_platform.integration import EVERY, envelope
from ecovid_platform.light import LightTopic, LightTopics

from alerting import SERVICE
from alerting.domain.alert import Alert


def translate(event: Any, wanted: Container[str] = EVERY) -> Iterable[IntegrationEvent]:
    # EpisodeAlerts' events are alerting's own bookkeeping: nothing is published for them.
    if isinstance(event, Alert.Raised):
        yield AlertRaised(**envelope(event, SERVICE, event.patient_id), payload=AlertRaisedPayload(
            alert_id=event.originator_id, kind=event.kind, level=event.level,
            raised_at=event.timestamp, source_event_id=event.source_event_id,
            reading_id=event.reading_id, summary=event.summary,
            episode_id=getattr(event, "episode_id", None),
            recipients=getattr(event, "recipients", None) or [],
        ))
    elif isinstance(event, Alert.Updated):
        yield AlertUpdated(**envelope(event, SERVICE, event.patient_id), payload=AlertUpdatedPayload(
            alert_id=event.originator_id, occurrences=event.occurrences, level=event.level,
            summary=event.summary, reading_id=event.reading_id, source_event_id=event.source_event_id,
            updated_at=event.timestamp,
        ))
    elif isinstance(event, Alert.Acknowledged):
        yield AlertAcknowledged(
            **envelope(event, SERVICE, event.patient_id),
            payload=AlertAcknowledgedPayload(
                alert_id=event.originator_id, acknowledged_at=event.at,
                acknowledged_by=event.professional_id,
            ),
        )
    elif isinstance(event, Alert.Escalated):
        yield AlertEscalated(**envelope(event, SERVICE, event.patient_id), payload=AlertEscalatedPayload(
            alert_id=event.originator_id, step=event.step, to_roles=event.to_roles, escalated_at=event.at,
            recipients=getattr(event, "recipients", None) or [],
        ))
    elif isinstance(event, Alert.Resolved):
        yield AlertResolved(**envelope(event, SERVICE, event.patient_id), payload=AlertResolvedPayload(
            alert_id=event.originator_id, resolved_at=event.at, **resolution(event),
        ))
    elif isinstance(event, Alert.NotificationFailed):
        yield NotificationFailed(**envelope(event, SERVICE, event.patient_id), payload=NotificationFailedPayload(
            alert_id=event.originator_id, recipient_id=event.recipient_id, channel=event.channel,
            step=event.step, reason=event.reason, failed_at=event.timestamp,
        ))


def resolution(event: Any) -> dict[str, Any]:
    """Who resolved it, why and the note. A Resolved stored before the life cycle (an admission's
    retraction) has neither `by` nor `note`, and the hospital's words as its reason."""
    if event.reason in get_args(ResolutionReason):
        return {"resolved_by": getattr(event, "by", "platform"), "reason": event.reason,
                "note": getattr(event, "note", None)}
    return {"resolved_by": getattr(event, "by", "hospital"), "reason": "cancelled_by_hospital",
            "note": event.reason}


# What a rebuild decodes without the mapper; an acknowledgement, rare, goes the long way.
LIGHT: LightTopics = {
    # Not Alert.Raised any more: the alert feed (SSE) keeps each change as the integration
    # event's JSON, which a light record cannot give.
    # An episode's open-alert bookkeeping gives no integration event: skipped without parsing.
    "alerting:EpisodeAlerts.Started.v1": LightTopic(frozenset()),
    "alerting:EpisodeAlerts.Opened.v1": LightTopic(frozenset()),
    "alerting:EpisodeAlerts.Closed.v1": LightTopic(frozenset()),
}
