"""Integration events as ecovid-monitor's read models receive them, for unit tests."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from ecovid_events.dossier import PatientRegistered, PatientRegisteredPayload
from ecovid_events.ecovid import (
    CareEpisodeOpened,
    CareEpisodeOpenedPayload,
    ReadingRecorded,
    ReadingRecordedPayload,
    RuleSetRef,
)

from ecovid_monitor.domain.rules import ReadingValues, colour_reading, default_rule_set

ENVELOPE = {"producer": "test", "correlation_id": "c", "actor": {"kind": "platform"}}


def registered(patient_id: uuid.UUID, last: str, first: str, born: date, commune: str = "Paris") -> PatientRegistered:
    return PatientRegistered(
        event_id=uuid.uuid4(), occurred_at=datetime.now(UTC), patient_id=patient_id, **ENVELOPE,
        payload=PatientRegisteredPayload(last_name=last, first_name=first, birth_date=born, sex="female",
                                         commune=commune),
    )


def opened(
    patient_id: uuid.UUID, structure_id: uuid.UUID, at: datetime | None = None, **details: Any
) -> CareEpisodeOpened:
    payload = {"episode_id": uuid.uuid4(), "started_on": date(2026, 1, 1), "status": "tested_positive",
               "structure_id": structure_id, "readings_per_day": 2, "needs_assistance": False, **details}
    return CareEpisodeOpened(event_id=uuid.uuid4(), occurred_at=at or datetime.now(UTC), patient_id=patient_id,
                             **ENVELOPE, payload=CareEpisodeOpenedPayload(**payload))


def reading(episode: CareEpisodeOpened, taken_at: datetime, born: date, **values: Any) -> ReadingRecorded:
    colouring = colour_reading(ReadingValues(**values), born, taken_at, default_rule_set())
    return recorded_as(episode, taken_at, colouring.levels, colouring.overall_level, colouring.age_band,
                       RuleSetRef(id=colouring.rule_set_id, version=colouring.rule_set_version), **values)


def recorded_as(episode: CareEpisodeOpened, taken_at: datetime, levels: dict[str, str], overall: str,
                age_band: str = "adult", rule_set: RuleSetRef | None = None, **values: Any) -> ReadingRecorded:
    """A reading with the levels the caller states, for tests that must not trust the code's colouring."""
    return ReadingRecorded(
        event_id=uuid.uuid4(), occurred_at=taken_at, patient_id=episode.patient_id, **ENVELOPE,
        payload=ReadingRecordedPayload(
            reading_id=uuid.uuid4(), episode_id=episode.payload.episode_id, taken_at=taken_at,
            recorded_at=taken_at, source="professional", values=values, levels=levels,
            overall_level=overall, age_band=age_band,
            rule_set=rule_set or RuleSetRef(id="ecovid-default", version="2026.1"),
        ),
    )
