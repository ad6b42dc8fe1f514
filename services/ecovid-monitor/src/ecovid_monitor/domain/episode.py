"""The care episode aggregate (prise en charge COVID) and the readings entered in it."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from eventsourcing.domain import Aggregate, event

from ecovid_monitor.domain.rules import Colouring, Level, state_transition_breaches

# A patient's device clock may run slightly ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)


class EpisodeClosed(Exception):
    """No reading, status change or second closing on a closed episode."""


class ReadingOutOfEpisode(ValueError):
    """`taken_at` before the episode started, or in the future."""


class CareEpisode(Aggregate):
    @event("Opened", topic="ecovid:CareEpisode.Opened.v1")
    def __init__(
        self,
        patient_id: uuid.UUID,
        birth_date: date,
        details: dict[str, Any],
        trace: dict[str, Any],
    ) -> None:
        self.patient_id = patient_id
        self.birth_date = birth_date
        self.details = details
        self.status: str = details["status"]
        self.closed_on: date | None = None
        self.last_overall: str | None = None
        self.readings: list[dict[str, Any]] = []

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def started_on(self) -> date:
        return date.fromisoformat(str(self.details["started_on"]))

    def check_reading_time(self, taken_at: datetime, now: datetime) -> None:
        if not self.is_open:
            raise EpisodeClosed("the care episode is closed")
        if taken_at > now + CLOCK_SKEW:
            raise ReadingOutOfEpisode("taken_at is in the future")
        if taken_at.date() < self.started_on:
            raise ReadingOutOfEpisode("taken_at is before the care episode started")

    def record_reading(
        self,
        reading_id: uuid.UUID,
        taken_at: datetime,
        source: str,
        values: dict[str, Any],
        colouring: Colouring,
        trace: dict[str, Any],
    ) -> None:
        previous = Level(self.last_overall) if self.last_overall else None
        self._record_reading(
            reading_id=reading_id,
            taken_at=taken_at,
            source=source,
            values=values,
            colouring=colouring.model_dump(),
            patient_id=self.patient_id,
            previous_state=self.last_overall,
            breached=state_transition_breaches(previous, colouring),
            trace=trace,
        )

    @event("ReadingRecorded", topic="ecovid:CareEpisode.ReadingRecorded.v1")
    def _record_reading(
        self,
        reading_id: uuid.UUID,
        taken_at: datetime,
        source: str,
        values: dict[str, Any],
        colouring: dict[str, Any],
        previous_state: str | None,
        breached: bool,
        patient_id: uuid.UUID,
        trace: dict[str, Any],
    ) -> None:
        self.last_overall = str(colouring["overall_level"])
        self.readings.append({
            "id": reading_id, "taken_at": taken_at,
            "source": source, "values": values, "colouring": colouring,
        })

    def change_status(self, status: str, trace: dict[str, Any]) -> None:
        if not self.is_open:
            raise EpisodeClosed("the care episode is closed")
        if status != self.status:
            self._change_status(status=status, trace=trace)

    @event("StatusChanged", topic="ecovid:CareEpisode.StatusChanged.v1")
    def _change_status(self, status: str, trace: dict[str, Any]) -> None:
        self.status = status

    def close(self, closed_on: date, trace: dict[str, Any]) -> None:
        if not self.is_open:
            raise EpisodeClosed("the care episode is already closed")
        self._close(closed_on=closed_on, trace=trace)

    @event("Closed", topic="ecovid:CareEpisode.Closed.v1")
    def _close(self, closed_on: date, trace: dict[str, Any]) -> None:
        self.closed_on = closed_on


class PatientEpisodes(Aggregate):
    """One per patient (deterministic id): keeps "one open episode per patient" true."""

    @staticmethod
    def create_id(patient_id: uuid.UUID) -> uuid.UUID:
        return uuid.uuid5(uuid.UUID("1f8a3c62-5a0e-4f0a-9d0e-4b1b2a6c7e01"), str(patient_id))

    @event("Started", topic="ecovid:PatientEpisodes.Started.v1")
    def __init__(self, patient_id: uuid.UUID) -> None:
        self.patient_id = patient_id
        self.open_episode_id: uuid.UUID | None = None

    @event("EpisodeOpened", topic="ecovid:PatientEpisodes.EpisodeOpened.v1")
    def episode_opened(self, episode_id: uuid.UUID) -> None:
        self.open_episode_id = episode_id

    @event("EpisodeClosed", topic="ecovid:PatientEpisodes.EpisodeClosed.v1")
    def episode_closed(self, episode_id: uuid.UUID) -> None:
        self.open_episode_id = None
