"""Integration events as alerting receives them, for its unit tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ecovid_events.ecovid import (
    Breach,
    ReadingOverdue,
    ReadingOverduePayload,
    RuleSetRef,
    ThresholdBreached,
    ThresholdBreachedPayload,
)

ENVELOPE = {"producer": "ecovid-monitor", "correlation_id": "corr-1", "actor": {"kind": "platform"}}


def breach(overall: str, breaches: list[Breach], score: int | None = None,
           patient_id: uuid.UUID | None = None) -> ThresholdBreached:
    now = datetime.now(UTC)
    return ThresholdBreached(
        event_id=uuid.uuid4(), occurred_at=now, patient_id=patient_id or uuid.uuid4(), **ENVELOPE,
        payload=ThresholdBreachedPayload(
            reading_id=uuid.uuid4(), episode_id=uuid.uuid4(), taken_at=now, overall_level=overall,
            breaches=breaches, news2_partial_score=score,
            rule_set=RuleSetRef(id="ecovid-default", version="2026.1"), age_band="adult",
        ),
    )


def overdue(gap_started_at: datetime, patient_id: uuid.UUID | None = None) -> ReadingOverdue:
    return ReadingOverdue(
        event_id=uuid.uuid4(), occurred_at=datetime.now(UTC), patient_id=patient_id or uuid.uuid4(), **ENVELOPE,
        payload=ReadingOverduePayload(episode_id=uuid.uuid4(), gap_started_at=gap_started_at,
                                      due_at=gap_started_at, interval_seconds=43200),
    )
