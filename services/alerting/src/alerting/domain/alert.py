"""The alert aggregate and its life cycle.

    raised --escalate--> escalated --escalate--> escalated (next step)
    raised | escalated --acknowledge--> acknowledged
    raised | escalated | acknowledged --resolve--> resolved

An open alert (not resolved) absorbs further alarming events of its kind for its
episode: a count, the latest reading and the worst level, not a second alert.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate, event

ALERT_NAMESPACE = uuid.UUID("0b5d7c1e-8a43-4e4f-b1f4-3f0f6b9a2d55")
LEVELS = ("watch", "alert")  # worst last
OPEN = ("raised", "escalated", "acknowledged")


class WrongState(Exception):
    """The alert's state does not allow this; the message names that state."""

    def __init__(self, action: str, status: str) -> None:
        super().__init__(f"cannot {action} an alert that is {status}")
        self.status = status


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
        episode_id: uuid.UUID | None = None,
        recipients: list[uuid.UUID] | None = None,
    ) -> None:
        self.patient_id, self.episode_id = patient_id, episode_id
        # Who was told when it was raised (escalation adds others): kept in the event, so the
        # list of an alert's recipients never depends on the circle read later.
        self.recipients = list(recipients or [])
        self.reading_id = reading_id
        self.kind, self.level, self.summary = kind, level, summary
        self.status = "raised"
        self.acknowledged_by: str | None = None
        self.resolved_by: str | None = None
        self.resolution: str | None = None
        self.occurrences = 1
        self.escalation_step = 0
        self.failed_notifications = 0
        # Source events already absorbed: a redelivered one changes nothing.
        self.sources = {source_event_id}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def absorb(
        self, source_event_id: uuid.UUID, level: str, summary: str, reading_id: uuid.UUID | None,
        trace: dict[str, Any],
    ) -> bool:
        """A further alarming event of the same episode and kind; False if already absorbed."""
        if source_event_id in self.sources:
            return False
        worst = max(self.level, level, key=LEVELS.index)
        self._update(source_event_id=source_event_id, occurrences=self.occurrences + 1, level=worst,
                     summary=summary, reading_id=reading_id, patient_id=self.patient_id, trace=trace)
        return True

    @event("Updated", topic="alerting:Alert.Updated.v1")
    def _update(
        self, source_event_id: uuid.UUID, occurrences: int, level: str, summary: str, reading_id: uuid.UUID | None,
        patient_id: uuid.UUID, trace: dict[str, Any],
    ) -> None:
        self.sources.add(source_event_id)
        self.occurrences = occurrences
        self.level, self.summary = level, summary
        if reading_id is not None:
            self.reading_id = reading_id

    def acknowledge(self, professional_id: str, at: datetime, trace: dict[str, Any]) -> None:
        if self.status not in ("raised", "escalated"):
            raise WrongState("acknowledge", self.status)
        self._acknowledge(
            professional_id=professional_id, at=at, patient_id=self.patient_id, trace=trace
        )

    @event("Acknowledged", topic="alerting:Alert.Acknowledged.v1")
    def _acknowledge(
        self, professional_id: str, at: datetime, patient_id: uuid.UUID, trace: dict[str, Any]
    ) -> None:
        self.status = "acknowledged"
        self.acknowledged_by = professional_id

    def escalate(
        self, step: int, to_roles: list[str], at: datetime, trace: dict[str, Any],
        recipients: list[uuid.UUID] | None = None,
    ) -> bool:
        """Only before acknowledgement, each step once; False when nothing is to be done."""
        if self.status not in ("raised", "escalated") or step <= self.escalation_step:
            return False
        self._escalate(step=step, to_roles=to_roles, at=at, patient_id=self.patient_id, trace=trace,
                       recipients=list(recipients or []))
        return True

    @event("Escalated", topic="alerting:Alert.Escalated.v1")
    def _escalate(
        self, step: int, to_roles: list[str], at: datetime, patient_id: uuid.UUID, trace: dict[str, Any],
        recipients: list[uuid.UUID] | None = None,
    ) -> None:
        self.status = "escalated"
        self.escalation_step = step
        self.recipients = sorted({*self.recipients, *(recipients or [])}, key=str)

    def resolve(self, by: str, reason: str, note: str | None, at: datetime, trace: dict[str, Any]) -> None:
        if not self.is_open:
            raise WrongState("resolve", self.status)
        self._resolve(by=by, reason=reason, note=note, at=at, patient_id=self.patient_id, trace=trace)

    # `by` and `note` have defaults: Resolved events stored before them (an admission's
    # retraction, reason = the hospital's words) still replay.
    @event("Resolved", topic="alerting:Alert.Resolved.v1")
    def _resolve(
        self, reason: str, at: datetime, patient_id: uuid.UUID, trace: dict[str, Any],
        by: str = "hospital", note: str | None = None,
    ) -> None:
        self.status = "resolved"
        self.resolved_by, self.resolution = by, reason

    def notification_failed(
        self, recipient_id: uuid.UUID, channel: str, step: int, reason: str, trace: dict[str, Any]
    ) -> None:
        """Shown on the alert, whatever its state: nobody was told through that channel."""
        self._notification_failed(recipient_id=recipient_id, channel=channel, step=step, reason=reason,
                                  patient_id=self.patient_id, trace=trace)

    @event("NotificationFailed", topic="alerting:Alert.NotificationFailed.v1")
    def _notification_failed(
        self, recipient_id: uuid.UUID, channel: str, step: int, reason: str, patient_id: uuid.UUID,
        trace: dict[str, Any],
    ) -> None:
        self.failed_notifications += 1


class EpisodeAlerts(Aggregate):
    """The open alert of each kind of one episode, so a further alarming event finds it.

    Kept apart from the alerts: the one place that says "this episode has an open
    threshold alert", written in the same save as the alert it names."""

    @staticmethod
    def create_id(episode_id: uuid.UUID) -> uuid.UUID:
        return uuid.uuid5(ALERT_NAMESPACE, f"episode:{episode_id}")

    @event("Started", topic="alerting:EpisodeAlerts.Started.v1")
    def __init__(self, episode_id: uuid.UUID) -> None:
        self.episode_id = episode_id
        self.open: dict[str, uuid.UUID] = {}
        # Sources absorbed by alerts closed since: their redelivery must not open a new one.
        self.closed_sources: set[uuid.UUID] = set()

    def opened(self, alert: Alert) -> None:
        self._opened(kind=alert.kind, alert_id=alert.id)

    @event("Opened", topic="alerting:EpisodeAlerts.Opened.v1")
    def _opened(self, kind: str, alert_id: uuid.UUID) -> None:
        self.open[kind] = alert_id

    def closed(self, alert: Alert) -> None:
        if self.open.get(alert.kind) == alert.id:
            self._closed(kind=alert.kind, alert_id=alert.id, sources=sorted(alert.sources, key=str))

    @event("Closed", topic="alerting:EpisodeAlerts.Closed.v1")
    def _closed(self, kind: str, alert_id: uuid.UUID, sources: list[uuid.UUID]) -> None:
        del self.open[kind]
        self.closed_sources.update(sources)
