"""Use cases of alerting: raise an alert from an alarming event, acknowledge it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ecovid_events import Actor
from ecovid_events.ecovid import ReadingOverdue, ThresholdBreached
from ecovid_platform.application import ServiceApplication, retry_on_conflict, trace
from ecovid_platform.errors import Conflict

from alerting.domain.alert import Alert, AlreadyAcknowledged


class AlertingApplication(ServiceApplication):
    name = "alerting"

    def alerts_for_breach(self, event: ThresholdBreached) -> list[Alert]:
        """Only `alert`-level breaches raise an alert; `watch` ones only colour the lists."""
        if event.payload.overall_level != "alert" or self._exists(Alert.create_id(event.event_id)):
            return []
        indicators = ", ".join(
            f"{b.indicator}={b.value}" for b in event.payload.breaches if b.level == "alert"
        )
        summary = indicators or f"NEWS2 partial score {event.payload.news2_partial_score}"
        return [Alert(
            source_event_id=event.event_id,
            patient_id=event.patient_id,
            kind="threshold",
            level="alert",
            summary=summary,
            reading_id=event.payload.reading_id,
            trace=trace(Actor(kind="platform"), event.correlation_id, str(event.event_id)),
        )]

    def alerts_for_missed_report(self, event: ReadingOverdue) -> list[Alert]:
        """Level `alert`, not `watch`: a silent patient may be getting worse, and only alerts reach people."""
        if self._exists(Alert.create_id(event.event_id)):
            return []
        since = event.payload.gap_started_at.isoformat(timespec="minutes")
        return [Alert(
            source_event_id=event.event_id,
            patient_id=event.patient_id,
            kind="missed_report",
            level="alert",
            summary=f"no reading since {since}",
            reading_id=None,
            trace=trace(Actor(kind="platform"), event.correlation_id, str(event.event_id)),
        )]

    @retry_on_conflict()
    def acknowledge(self, alert_id: uuid.UUID, actor: Actor, correlation_id: str) -> Alert:
        alert = self.alert(alert_id)
        try:
            alert.acknowledge(actor.id or actor.kind, datetime.now(UTC), trace(actor, correlation_id))
        except AlreadyAcknowledged as error:
            raise Conflict(str(error), field="alert_id") from None
        self.save(alert)
        return alert

    def _exists(self, alert_id: uuid.UUID) -> bool:
        return bool(self.recorder.select_events(alert_id, limit=1))

    def alert(self, alert_id: uuid.UUID) -> Alert:
        return self.get_or_404(alert_id, Alert, "alert_id")
