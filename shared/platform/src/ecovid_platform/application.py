"""Base eventsourcing application of a service: its event store and its outbox.

The notification log of the application *is* the transactional outbox: the relay
reads it in order; nothing is ever published beside `save`.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any, ParamSpec, TypeVar

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate, CanMutateAggregate
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    ProcessRecorder,
    Recording,
    Tracking,
    Transcoding,
)
from eventsourcing.utils import get_topic

from ecovid_events import Actor
from ecovid_platform.errors import NotFound

P = ParamSpec("P")
A = TypeVar("A")
R = TypeVar("R")


def retry_on_conflict(attempts: int = 5) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Optimistic concurrency: two writers of one aggregate; the loser reloads and tries again."""

    def decorate(use_case: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(use_case)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            for attempt in range(1, attempts + 1):
                try:
                    return use_case(*args, **kwargs)
                except IntegrityError:
                    if attempt == attempts:
                        raise
            raise AssertionError("unreachable")

        return wrapper

    return decorate


def trace(actor: Actor, correlation_id: str, causation_id: str | None = None) -> dict[str, Any]:
    """What every stored domain event keeps so its integration event can name its cause."""
    return {
        "actor": actor.model_dump(),
        "correlation_id": correlation_id,
        "causation_id": causation_id,
    }


class DateAsISO(Transcoding):
    """Calendar dates (birth dates, start dates) stored as ISO strings."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def register_event_topics(base: type = Aggregate) -> None:
    """Register every explicit event topic of every aggregate class imported so far.

    eventsourcing registers an explicit topic (`@event(..., topic=...)`) only when an
    event of that class is first written: a restarted process could not read back
    what it stored before.
    """
    subclasses: list[type] = base.__subclasses__()
    for aggregate in subclasses:
        for member in vars(aggregate).values():
            if isinstance(member, type) and issubclass(member, CanMutateAggregate):
                get_topic(member)
        register_event_topics(aggregate)


class ServiceApplication(Application[uuid.UUID]):
    """Records with a process recorder, so consumers can store tracking atomically."""

    on_recorded: Callable[[], None] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        register_event_topics()
        super().__init__(*args, **kwargs)
        # Woken after each save besides the relay's `on_recorded`: the local projections.
        self.recorded_listeners: list[Callable[[], None]] = []

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def construct_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()

    def find(self, aggregate_id: uuid.UUID, kind: type[A]) -> A | None:
        """The aggregate of that kind with that id, or None."""
        try:
            found: Any = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, kind) else None

    def get_or_404(
        self, aggregate_id: uuid.UUID, kind: type[A], field: str, error: type[NotFound] = NotFound
    ) -> A:
        found = self.find(aggregate_id, kind)
        if found is None:
            raise error(f"{field.removesuffix('_id').replace('_', ' ')} {aggregate_id} not found", field=field)
        return found

    @property
    def process_recorder(self) -> ProcessRecorder:
        recorder = self.recorder
        assert isinstance(recorder, ProcessRecorder)
        return recorder

    def _notify(self, recordings: list[Recording[uuid.UUID]]) -> None:
        super()._notify(recordings)
        if recordings and self.on_recorded is not None:
            self.on_recorded()
        for listener in self.recorded_listeners if recordings else ():
            listener()

    def _record(self, processing_event: ProcessingEvent[uuid.UUID]) -> list[Recording[uuid.UUID]]:
        try:
            return super()._record(processing_event)
        except IntegrityError:
            # Another writer saved one of these aggregates first: what the cache holds of
            # them is stale, and the retry must start from the store.
            cache = self.repository.cache
            for aggregate_id in processing_event.aggregates if cache is not None else ():
                try:
                    cache.get(aggregate_id, evict=True)  # type: ignore[union-attr]
                except KeyError:
                    pass
            raise

    def save_tracked(self, *aggregates: Any, tracking: Tracking | None) -> None:
        """Save new events and a consumer's position in one database transaction.

        `tracking=None` saves the events alone: a redelivery below the recorded position
        (eventsourcing refuses a position that does not move forward)."""
        if tracking is None and not any(getattr(a, "pending_events", True) for a in aggregates):
            return  # nothing new, no position to move: no transaction
        processing_event: ProcessingEvent[uuid.UUID] = ProcessingEvent(tracking=tracking)
        processing_event.collect_events(*aggregates)
        recordings = self._record(processing_event)
        self._notify(recordings)
