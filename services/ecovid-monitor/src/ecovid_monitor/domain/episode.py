"""The care episode aggregate (prise en charge COVID) and the readings entered in it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from eventsourcing.domain import Aggregate, event

from ecovid_monitor.domain.rules import Colouring, Level, state_transition_breaches

# A patient's device clock may run slightly ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)
# A date is "in the future" only once it has begun nowhere on Earth yet: the latest
# time zone (UTC+14) reaches a new day 14 hours before UTC does.
LATEST_TIME_ZONE = timedelta(hours=14)


class EpisodeDatesInvalid(ValueError):
    """The episode's dates contradict the patient's birth or today; `field` names the date at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def latest_today(now: datetime) -> date:
    """The latest calendar date anywhere at `now` (an aware moment)."""
    return (now.astimezone(UTC) + LATEST_TIME_ZONE).date()


def check_episode_dates(birth_date: date, details: dict[str, Any], now: datetime) -> None:
    """An episode starts on or after the patient's birth and not in the future; the first
    symptoms likewise (they may precede the start: symptoms come before the enrolment)."""
    for field in ("started_on", "first_symptoms_on"):
        given = details.get(field)
        if given is None:
            continue
        on = date.fromisoformat(str(given))
        if on < birth_date:
            raise EpisodeDatesInvalid(field, f"{field} {on} is before the patient's birth on {birth_date}")
        if on > latest_today(now):
            raise EpisodeDatesInvalid(field, f"{field} {on} is in the future")


class EpisodeClosed(Exception):
    """No reading, status change or second closing on a closed episode."""


class ReadingOutOfEpisode(ValueError):
    """`taken_at` before the episode started, or in the future."""


class NotOverdue(Exception):
    """No missed report to record: not due yet, already recorded for this gap, or not watched."""


def reporting_interval(readings_per_day: int, override_seconds: float | None = None) -> timedelta:
    """24 h / readings per day (2 a day: 12 h), unless the service is configured otherwise."""
    if override_seconds:
        return timedelta(seconds=override_seconds)
    return timedelta(hours=24) / readings_per_day


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
        # The readings themselves are not kept here: the aggregate is copied from the
        # cache on every command, and only the latest state guards the invariants.
        # `readings_of` reads them back from the episode's events.
        self.hospitalised = False
        # A gap (absence de relevé) starts at opening, at each reading and at discharge.
        self.gap_started_at: datetime = self.created_on
        self.overdue_gap: datetime | None = None
        # Ids of the hospital stay events already applied (a redelivery changes nothing).
        self.stay_causes: set[str] = set()

    @property
    def general_state(self) -> str:
        if self.overdue_gap is not None and self.overdue_gap == self.gap_started_at:
            return "overdue"
        return self.last_overall or "none"

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def started_on(self) -> date:
        return date.fromisoformat(str(self.details["started_on"]))

    def check_reading_time(self, taken_at: datetime, now: datetime) -> None:
        """Taken after birth, on or after the episode's start day (any hour of that day, in the
        reading's own offset), and not later than now plus the clock skew. Birth is checked on
        its own: episodes stored before their start was checked may start before birth."""
        if not self.is_open:
            raise EpisodeClosed("the care episode is closed")
        if taken_at > now + CLOCK_SKEW:
            raise ReadingOutOfEpisode("taken_at is in the future")
        if taken_at.date() < self.birth_date:
            raise ReadingOutOfEpisode(f"taken_at is before the patient's birth on {self.birth_date}")
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
        recorded_at: datetime | None = None,
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
            recorded_at=recorded_at,
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
        recorded_at: datetime | None = None,  # absent from events stored before it existed
    ) -> None:
        self.last_overall = str(colouring["overall_level"])
        self.gap_started_at = recorded_at or taken_at

    def change_status(self, status: str, trace: dict[str, Any]) -> None:
        if not self.is_open:
            raise EpisodeClosed("the care episode is closed")
        if status != self.status:
            self._change_status(
                status=status, trace=trace, patient_id=self.patient_id, hospitalised=self.hospitalised
            )

    # patient_id and hospitalised are absent from events stored before they were added.
    @event("StatusChanged", topic="ecovid:CareEpisode.StatusChanged.v1")
    def _change_status(
        self, status: str, trace: dict[str, Any],
        patient_id: uuid.UUID | None = None, hospitalised: bool = False,
    ) -> None:
        self.status = status

    def close(self, closed_on: date, trace: dict[str, Any]) -> None:
        if not self.is_open:
            raise EpisodeClosed("the care episode is already closed")
        self._close(closed_on=closed_on, trace=trace, patient_id=self.patient_id)

    @event("Closed", topic="ecovid:CareEpisode.Closed.v1")
    def _close(self, closed_on: date, trace: dict[str, Any], patient_id: uuid.UUID | None = None) -> None:
        self.closed_on = closed_on


    def mark_hospitalised(self, trace: dict[str, Any]) -> None:
        if not self.is_open:
            raise EpisodeClosed("the care episode is closed")
        if not self.hospitalised:
            self._hospitalised(patient_id=self.patient_id, status=self.status, trace=trace)

    @event("Hospitalised", topic="ecovid:CareEpisode.Hospitalised.v1")
    def _hospitalised(self, patient_id: uuid.UUID, status: str, trace: dict[str, Any]) -> None:
        self.hospitalised = True
        self.stay_causes.add(str(trace.get("causation_id")))

    def mark_discharged(self, at: datetime, trace: dict[str, Any]) -> None:
        if not self.is_open:
            raise EpisodeClosed("the care episode is closed")
        if self.hospitalised:
            self._discharged(at=at, patient_id=self.patient_id, status=self.status, trace=trace)

    @event("Discharged", topic="ecovid:CareEpisode.Discharged.v1")
    def _discharged(self, at: datetime, patient_id: uuid.UUID, status: str, trace: dict[str, Any]) -> None:
        # Back home: the patient has a whole interval to send the next reading.
        self.hospitalised = False
        self.gap_started_at = at
        self.stay_causes.add(str(trace.get("causation_id")))

    def due_at(self, interval: timedelta) -> datetime:
        return self.gap_started_at + interval

    def record_overdue(self, now: datetime, interval: timedelta, trace: dict[str, Any]) -> None:
        """Once per gap: the gap is named by its start, so a second call for it is refused."""
        if not self.is_open or self.hospitalised:
            raise NotOverdue("the episode is closed or the patient is in hospital")
        if now < self.due_at(interval):
            raise NotOverdue("the reporting interval has not run out")
        if self.overdue_gap == self.gap_started_at:
            raise NotOverdue("this gap is already reported as overdue")
        self._overdue(
            gap_started_at=self.gap_started_at, due_at=self.due_at(interval),
            interval_seconds=interval.total_seconds(), patient_id=self.patient_id, trace=trace,
        )

    @event("ReadingOverdue", topic="ecovid:CareEpisode.ReadingOverdue.v1")
    def _overdue(
        self, gap_started_at: datetime, due_at: datetime, interval_seconds: float,
        patient_id: uuid.UUID, trace: dict[str, Any],
    ) -> None:
        self.overdue_gap = gap_started_at


def readings_of(events: Iterable[Any]) -> list[dict[str, Any]]:
    """The readings of an episode, in the order they were recorded, from its stored events."""
    return [
        {
            "id": e.reading_id, "taken_at": e.taken_at, "recorded_at": e.recorded_at,
            "source": e.source, "values": e.values, "colouring": e.colouring,
        }
        for e in events if isinstance(e, CareEpisode.ReadingRecorded)
    ]


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
