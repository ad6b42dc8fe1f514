"""Integration events as alerting receives them, for its unit tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ecovid_events.ecovid import (
    Breach,
    ReadingOverdue,
    ReadingOverduePayload,
    ReadingRecorded,
    ReadingRecordedPayload,
    RuleSetRef,
    ThresholdBreached,
    ThresholdBreachedPayload,
)

ENVELOPE = {"producer": "ecovid-monitor", "correlation_id": "corr-1", "actor": {"kind": "platform"}}


def breach(overall: str, breaches: list[Breach], score: int | None = None,
           patient_id: uuid.UUID | None = None, episode_id: uuid.UUID | None = None) -> ThresholdBreached:
    now = datetime.now(UTC)
    return ThresholdBreached(
        event_id=uuid.uuid4(), occurred_at=now, patient_id=patient_id or uuid.uuid4(), **ENVELOPE,
        payload=ThresholdBreachedPayload(
            reading_id=uuid.uuid4(), episode_id=episode_id or uuid.uuid4(), taken_at=now, overall_level=overall,
            breaches=breaches, news2_partial_score=score,
            rule_set=RuleSetRef(id="ecovid-default", version="2026.1"), age_band="adult",
        ),
    )


def overdue(gap_started_at: datetime, patient_id: uuid.UUID | None = None,
            episode_id: uuid.UUID | None = None) -> ReadingOverdue:
    return ReadingOverdue(
        event_id=uuid.uuid4(), occurred_at=datetime.now(UTC), patient_id=patient_id or uuid.uuid4(), **ENVELOPE,
        payload=ReadingOverduePayload(episode_id=episode_id or uuid.uuid4(), gap_started_at=gap_started_at,
                                      due_at=gap_started_at, interval_seconds=43200),
    )


def reading(patient_id: uuid.UUID, episode_id: uuid.UUID) -> ReadingRecorded:
    now = datetime.now(UTC)
    return ReadingRecorded(
        event_id=uuid.uuid4(), occurred_at=now, patient_id=patient_id, **ENVELOPE,
        payload=ReadingRecordedPayload(
            reading_id=uuid.uuid4(), episode_id=episode_id, taken_at=now, recorded_at=now, source="patient",
            values={"temperature": 37.0}, levels={"temperature": "normal"}, overall_level="normal",
            rule_set=RuleSetRef(id="ecovid-default", version="2026.1"), age_band="adult",
        ),
    )
