"""A missed report (ReadingOverdue) raises one `missed_report` alert, whatever the deliveries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ecovid_events.ecovid import ReadingOverdue, ReadingOverduePayload

from alerting.application import AlertingApplication


def overdue() -> ReadingOverdue:
    now = datetime.now(UTC)
    return ReadingOverdue(
        event_id=uuid.uuid4(), occurred_at=now, producer="ecovid-monitor", patient_id=uuid.uuid4(),
        correlation_id="c", actor={"kind": "platform"},
        payload=ReadingOverduePayload(episode_id=uuid.uuid4(), gap_started_at=now, due_at=now, interval_seconds=43200),
    )


def test_one_alert_level_alert_per_missed_report() -> None:
    app = AlertingApplication()
    event = overdue()
    alert, episode = app.alerts_for_missed_report(event)
    assert (alert.kind, alert.level, alert.patient_id) == ("missed_report", "alert", event.patient_id)
    assert alert.summary.startswith("no reading since ")
    app.save(alert, episode)
    assert app.alerts_for_missed_report(event) == []
