"""Use cases of e-COVID telemonitoring: open, change and close episodes, record readings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from eventsourcing.persistence import IntegrityError

from ecovid_events import Actor
from ecovid_events.admissions import AdmissionCancelled, PatientDischarged, PatientHospitalised
from ecovid_platform.application import ServiceApplication, retry_on_conflict, trace
from ecovid_platform.errors import Conflict, DomainError, Forbidden, Unprocessable

from ecovid_monitor.domain.episode import (
    CareEpisode,
    EpisodeClosed,
    EpisodeDatesInvalid,
    NotOverdue,
    PatientEpisodes,
    ReadingOutOfEpisode,
    check_episode_dates,
    readings_of,
    reporting_interval,
)
from ecovid_monitor.domain.rules import Colouring, ReadingValues, RuleSet, colour_reading

SOURCES = {"patient": "patient", "professional": "professional"}


@dataclass(frozen=True)
class ReadingCommand:
    episode_id: uuid.UUID
    taken_at: datetime
    values: ReadingValues
    actor: Actor
    correlation_id: str


class MonitorApplication(ServiceApplication):
    name = "ecovid_monitor"
    rule_set: RuleSet
    # Tests shorten the reporting interval (ECOVID_REPORTING_INTERVAL_SECONDS).
    reporting_interval_override: float | None = None

    @retry_on_conflict()
    def open_episode(
        self, patient_id: uuid.UUID, birth_date: date, details: dict[str, Any],
        actor: Actor, correlation_id: str,
    ) -> uuid.UUID:
        try:
            check_episode_dates(birth_date, details, datetime.now(UTC))
        except EpisodeDatesInvalid as error:
            raise Unprocessable(str(error), field=error.field) from None
        index = self._patient_episodes(patient_id)
        if index.open_episode_id is not None:
            raise Conflict(
                f"patient already has an open care episode {index.open_episode_id}",
                field="patient_id",
            )
        episode = CareEpisode(
            patient_id=patient_id, birth_date=birth_date, details=details,
            trace=trace(actor, correlation_id),
        )
        index.episode_opened(episode.id)
        self.save(index, episode)
        return episode.id

    @retry_on_conflict()
    def record_reading(
        self, episode_id: uuid.UUID, taken_at: datetime, values: ReadingValues,
        actor: Actor, correlation_id: str,
    ) -> tuple[uuid.UUID, Colouring]:
        command = ReadingCommand(episode_id, taken_at, values, actor, correlation_id)
        episode = self.episode(episode_id)
        recorded = self._record_on(episode, command)
        self.save(episode)
        return recorded

    def record_readings(self, commands: list[ReadingCommand]) -> list[tuple[uuid.UUID, Colouring] | Exception]:
        """Readings from concurrent requests, saved in one transaction (group commit).

        Each command gets its own outcome: its reading, or the domain error that it
        alone raises (unknown episode, closed episode, time out of the episode). Two
        readings of one episode apply in turn to the same aggregate.
        """
        episodes: dict[uuid.UUID, CareEpisode] = {}
        outcomes: list[tuple[uuid.UUID, Colouring] | Exception] = []
        for command in commands:
            try:
                episode = episodes.get(command.episode_id)
                if episode is None:
                    episode = self.episode(command.episode_id)
                outcomes.append(self._record_on(episode, command))
                episodes[command.episode_id] = episode
            except DomainError as error:
                outcomes.append(error)
        if not episodes:
            return outcomes
        try:
            self.save(*episodes.values())
        except IntegrityError:
            # Another writer (the missed-report job, another instance) moved one of these
            # episodes meanwhile: nothing of this batch is stored; each command alone, retried.
            return [self._alone(command) for command in commands]
        return outcomes

    def _alone(self, command: ReadingCommand) -> tuple[uuid.UUID, Colouring] | Exception:
        try:
            return self.record_reading(
                command.episode_id, command.taken_at, command.values, command.actor, command.correlation_id
            )
        except DomainError as error:
            return error

    def _record_on(self, episode: CareEpisode, command: ReadingCommand) -> tuple[uuid.UUID, Colouring]:
        """Checks and colours the reading, then records it on the episode (not saved yet)."""
        actor, taken_at = command.actor, command.taken_at
        if actor.kind == "patient" and actor.id != str(episode.patient_id):
            raise Forbidden("a patient may only enter readings in their own care episode", field="episode_id")
        try:
            episode.check_reading_time(taken_at, datetime.now(UTC))
        except EpisodeClosed as error:
            raise Conflict(str(error), field="episode_id") from None
        except ReadingOutOfEpisode as error:
            raise Unprocessable(str(error), field="taken_at") from None
        colouring = colour_reading(command.values, episode.birth_date, taken_at, self.rule_set)
        reading_id = uuid.uuid4()
        episode.record_reading(
            reading_id=reading_id, taken_at=taken_at,
            source=SOURCES.get(actor.kind, "proxy"),
            values=command.values.model_dump(exclude_none=True),
            colouring=colouring, trace=trace(actor, command.correlation_id), recorded_at=datetime.now(UTC),
        )
        return reading_id, colouring

    @retry_on_conflict()
    def change_status(
        self, episode_id: uuid.UUID, status: str, actor: Actor, correlation_id: str
    ) -> None:
        episode = self.episode(episode_id)
        try:
            episode.change_status(status, trace(actor, correlation_id))
        except EpisodeClosed as error:
            raise Conflict(str(error), field="episode_id") from None
        self.save(episode)

    @retry_on_conflict()
    def close_episode(
        self, episode_id: uuid.UUID, closed_on: date, actor: Actor, correlation_id: str
    ) -> None:
        episode = self.episode(episode_id)
        try:
            episode.close(closed_on, trace(actor, correlation_id))
        except EpisodeClosed as error:
            raise Conflict(str(error), field="episode_id") from None
        index = self._patient_episodes(episode.patient_id)
        index.episode_closed(episode.id)
        self.save(episode, index)

    @retry_on_conflict()
    def mark_hospitalised(self, episode_id: uuid.UUID, hospitalised: bool, actor: Actor, correlation_id: str) -> None:
        episode = self.episode(episode_id)
        try:
            if hospitalised:
                episode.mark_hospitalised(trace(actor, correlation_id))
            else:
                episode.mark_discharged(datetime.now(UTC), trace(actor, correlation_id))
        except EpisodeClosed as error:
            raise Conflict(str(error), field="episode_id") from None
        self.save(episode)

    def stay_changed(self, event: PatientHospitalised | PatientDischarged | AdmissionCancelled) -> list[CareEpisode]:
        """A hospital's admission pauses the open episode's monitoring (no missed-report alert);
        its discharge resumes it with a whole interval before the next reading is due. A
        cancelled discharge puts the patient back in; a cancelled admission lets them out."""
        index = self.find(PatientEpisodes.create_id(event.patient_id), PatientEpisodes)
        if index is None or index.open_episode_id is None:
            return []
        episode = self.episode(index.open_episode_id)
        if str(event.event_id) in episode.stay_causes:
            return []
        stamp = trace(Actor(kind="hospital", id=event.payload.finess), event.correlation_id, str(event.event_id))
        if isinstance(event, PatientHospitalised) or (
            isinstance(event, AdmissionCancelled) and event.payload.cancelled == "discharge"
        ):
            episode.mark_hospitalised(stamp)
        else:
            # From now, not from the hospital's discharge time: a late message must not make
            # the first reading at home overdue at once.
            episode.mark_discharged(datetime.now(UTC), stamp)
        return [episode]

    @retry_on_conflict()
    def record_overdue(self, episode_id: uuid.UUID, now: datetime, correlation_id: str) -> bool:
        """True when a missed report was recorded; False when there is none (any more) to record."""
        episode = self.episode(episode_id)
        interval = self.reporting_interval(episode)
        try:
            episode.record_overdue(now, interval, trace(Actor(kind="platform"), correlation_id))
        except NotOverdue:
            return False
        self.save(episode)
        return True

    def reporting_interval(self, episode: CareEpisode) -> timedelta:
        per_day = int(episode.details.get("readings_per_day") or 2)
        return reporting_interval(per_day, self.reporting_interval_override)

    def readings(self, episode_id: uuid.UUID) -> list[dict[str, Any]]:
        """Read from the episode's events: strongly consistent, unlike the readings read model."""
        self.episode(episode_id)  # 404 for an unknown episode
        return readings_of(self.repository.event_store.get(episode_id))

    def episode(self, episode_id: uuid.UUID) -> CareEpisode:
        return self.get_or_404(episode_id, CareEpisode, "episode_id")

    def _patient_episodes(self, patient_id: uuid.UUID) -> PatientEpisodes:
        index_id = PatientEpisodes.create_id(patient_id)
        return self.find(index_id, PatientEpisodes) or PatientEpisodes(patient_id=patient_id)
