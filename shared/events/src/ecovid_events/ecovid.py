"""Events published by the ecovid-monitor service (care episodes and readings)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from ecovid_events.envelope import IntegrationEvent

Level = Literal["normal", "watch", "alert", "unknown"]
FollowUpStatus = Literal["suspected", "tested_positive", "tested_negative"]


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CareEpisodeOpenedPayload(_Payload):
    episode_id: uuid.UUID
    started_on: date
    status: FollowUpStatus
    structure_id: uuid.UUID
    component: str | None = None
    first_symptoms_on: date | None = None
    readings_per_day: int
    needs_assistance: bool


class CareEpisodeOpened(IntegrationEvent):
    event_type: Literal["CareEpisodeOpened"] = "CareEpisodeOpened"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: CareEpisodeOpenedPayload


class RuleSetRef(_Payload):
    id: str
    version: str


class ReadingRecordedPayload(_Payload):
    reading_id: uuid.UUID
    episode_id: uuid.UUID
    taken_at: AwareDatetime
    recorded_at: AwareDatetime
    source: Literal["patient", "proxy", "professional"]
    values: dict[str, float | int | bool | str]
    levels: dict[str, Level]
    overall_level: Level
    rule_set: RuleSetRef
    age_band: str


class ReadingRecorded(IntegrationEvent):
    event_type: Literal["ReadingRecorded"] = "ReadingRecorded"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: ReadingRecordedPayload


class Breach(_Payload):
    indicator: str
    value: float | int | bool | str | None
    level: Level
    lower: float | int | str | bool | None = None
    upper: float | int | str | bool | None = None


class ThresholdBreachedPayload(_Payload):
    reading_id: uuid.UUID
    episode_id: uuid.UUID
    taken_at: datetime
    overall_level: Level
    previous_state: str | None = None
    breaches: list[Breach]
    news2_partial_score: int | None = None
    rule_set: RuleSetRef
    age_band: str


class ThresholdBreached(IntegrationEvent):
    event_type: Literal["ThresholdBreached"] = "ThresholdBreached"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: ThresholdBreachedPayload


class CareStatusChangedPayload(_Payload):
    """The episode's follow-up situation after the change: status and hospitalisation."""

    episode_id: uuid.UUID
    status: FollowUpStatus
    hospitalised: bool


class CareStatusChanged(IntegrationEvent):
    event_type: Literal["CareStatusChanged"] = "CareStatusChanged"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: CareStatusChangedPayload


class CareEpisodeClosedPayload(_Payload):
    episode_id: uuid.UUID
    closed_on: date


class CareEpisodeClosed(IntegrationEvent):
    event_type: Literal["CareEpisodeClosed"] = "CareEpisodeClosed"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: CareEpisodeClosedPayload


class ReadingOverduePayload(_Payload):
    """No reading arrived within the reporting interval after `gap_started_at` (relevé manquant)."""

    episode_id: uuid.UUID
    gap_started_at: AwareDatetime
    due_at: AwareDatetime
    interval_seconds: float


class ReadingOverdue(IntegrationEvent):
    event_type: Literal["ReadingOverdue"] = "ReadingOverdue"
    schema_version: Literal[1] = 1
    patient_id: uuid.UUID
    payload: ReadingOverduePayload
