"""Synthetic ReadingRecorded events for the replay part of the list bench."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

from ecovid_events.ecovid import ReadingRecorded, ReadingRecordedPayload, RuleSetRef

from ecovid_monitor.domain.rules import ReadingValues, colour_reading, default_rule_set

ENVELOPE = {"producer": "ecovid-monitor", "correlation_id": "bench", "actor": {"kind": "professional"}}


def synthetic_readings(episodes: list[tuple[uuid.UUID, uuid.UUID]], count: int) -> list[ReadingRecorded]:
    rng, rule_set, now = random.Random(11), default_rule_set(), datetime.now(UTC)
    events = []
    for index in range(count):
        episode_id, patient_id = episodes[index % len(episodes)]
        values = {"temperature": round(rng.uniform(36.0, 40.5), 1), "heart_rate": rng.randint(55, 135),
                  "spo2": rng.randint(89, 100), "cough": rng.random() < 0.3}
        taken_at = now - timedelta(minutes=count - index)
        colouring = colour_reading(ReadingValues(**values), date(1960, 1, 1), taken_at, rule_set)
        events.append(ReadingRecorded(
            event_id=uuid.uuid4(), occurred_at=taken_at, patient_id=patient_id, **ENVELOPE,
            payload=ReadingRecordedPayload(
                reading_id=uuid.uuid4(), episode_id=episode_id, taken_at=taken_at, recorded_at=taken_at,
                source="professional", values=values, levels=colouring.levels,
                overall_level=colouring.overall_level, age_band=colouring.age_band,
                rule_set=RuleSetRef(id=colouring.rule_set_id, version=colouring.rule_set_version),
            ),
        ))
    return events
