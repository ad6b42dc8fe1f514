"""Event-sourced effects of consumed events, saved with the consumer's tracking position.

Effects are idempotent by event identity, never by offset: a handler derives its
aggregate ids from the event id and looks before creating, so a redelivered or
re-published event has no second effect, whatever offset it arrives at. Every
delivery is therefore handed to its handler, even one at or below the recorded
position: a broker that restarted empty (a development tansu, a re-created topic,
a restored cluster) numbers new events from 0 again, and skipping by offset lost
every alert below the old position.

The position (`<consumer>:<topic>:<partition>`, the last offset) is still saved in
the same transaction as the effects, but it is informational: it shows how far a
consumer got and reveals a partition whose offsets went backwards.

eventsourcing keeps one tracking row per name and refuses (IntegrityError) a
position that is not greater than the stored one. When the offsets went backwards,
the position moves to a new *epoch*: the name gains `@<epoch>`, and the epoch itself
is a tracking row (`<name>#epoch`) that only ever grows, so both obey the rule. The
alternative, saving without tracking until the new offsets pass the old position,
would leave the position frozen at a figure that no longer describes the broker for
as long as that takes, and would warn again on every batch meanwhile. A redelivery
that stays at or below the position (a batch committed here but not acknowledged to
the broker) is saved without tracking: the position never moves back.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

import structlog
from eventsourcing.persistence import IntegrityError, Tracking

from ecovid_platform.application import ServiceApplication
from ecovid_platform.inbox import log_applied, went_backwards

log = structlog.get_logger(__name__)


class TrackedCommands:
    def __init__(
        self, consumer: str, app: ServiceApplication, max_attempts: int, redelivery_window: int = 500,
    ) -> None:
        self.consumer, self.app, self.max_attempts = consumer, app, max_attempts
        self.redelivery_window = redelivery_window
        # This process is the consumer's only writer: each epoch is read once, then kept here.
        self._epochs: dict[tuple[str, int], int] = {}

    def apply(self, batch: Sequence[Any], handlers: dict[str, Any]) -> None:
        firsts = {id(d) for d in _first_of_each_event(batch)}
        ordered = sorted(batch, key=lambda d: (d.topic, d.partition, d.offset))
        for (topic, partition), run in groupby(ordered, key=lambda d: (d.topic, d.partition)):
            share = list(run)
            self._apply_partition(topic, partition, share, [d for d in share if id(d) in firsts], handlers)

    def position_name(self, topic: str, partition: int) -> str:
        base = f"{self.consumer}:{topic}:{partition}"
        epoch = self._epoch(topic, partition)
        # Epoch 0 keeps the name used before epochs existed, so a stored position stays valid.
        return base if epoch == 0 else f"{base}@{epoch}"

    def _epoch(self, topic: str, partition: int) -> int:
        if (topic, partition) not in self._epochs:
            stored = self.app.process_recorder.max_tracking_id(self._epoch_name(topic, partition))
            self._epochs[topic, partition] = stored or 0
        return self._epochs[topic, partition]

    def _epoch_name(self, topic: str, partition: int) -> str:
        return f"{self.consumer}:{topic}:{partition}#epoch"

    def _apply_partition(
        self, topic: str, partition: int, share: list[Any], firsts: list[Any], handlers: dict[str, Any],
    ) -> None:
        recorder = self.app.process_recorder
        for attempt in range(1, self.max_attempts + 1):
            recorded = recorder.max_tracking_id(self.position_name(topic, partition))
            effects = [(d, self._effects(d, handlers)) for d in firsts]
            fresh = [d for d, aggregates in effects if any(_is_new(a) for a in aggregates)]
            if went_backwards(
                share[0].offset, recorded, window=self.redelivery_window,
                fresh_below=any(d.offset <= (recorded or -1) for d in fresh),
            ):
                self._next_epoch(topic, partition, recorded, share[0].offset)
                recorded = None
            last = share[-1].offset
            tracking = Tracking(self.position_name(topic, partition), last) if (
                recorded is None or last > recorded
            ) else None
            try:
                self.app.save_tracked(*[a for _, aggregates in effects for a in aggregates], tracking=tracking)
            except IntegrityError:
                # Another writer of one of these aggregates, or of this position: the
                # handlers run again on what is stored now.
                if attempt == self.max_attempts:
                    raise
                continue
            for delivery in fresh:
                log_applied(self.consumer, delivery.event)
            return

    def _next_epoch(self, topic: str, partition: int, recorded: int | None, seen: int) -> None:
        epoch = self._epoch(topic, partition) + 1
        log.warning(
            "partition offsets went backwards: broker restarted empty or topic re-created; "
            "every event is still applied once, by its id", consumer=self.consumer, topic=topic,
            partition=partition, recorded_position=recorded, offset_seen=seen, new_epoch=epoch,
        )
        # Its own transaction, before the effects: should they fail, the next attempt
        # finds the new epoch with no position yet, which is what it would write anyway.
        self.app.process_recorder.insert_tracking(Tracking(self._epoch_name(topic, partition), epoch))
        self._epochs[topic, partition] = epoch

    @staticmethod
    def _effects(delivery: Any, handlers: dict[str, Any]) -> Sequence[Any]:
        with structlog.contextvars.bound_contextvars(
            correlation_id=delivery.event.correlation_id, patient_id=str(delivery.event.patient_id or "")
        ):
            aggregates: Sequence[Any] = handlers[delivery.event.event_type].apply(delivery.event)
            return aggregates


def _is_new(aggregate: Any) -> bool:
    # A handler that found its effect already there returns nothing, or an aggregate
    # with nothing pending.
    return bool(getattr(aggregate, "pending_events", True))


def _first_of_each_event(batch: Sequence[Any]) -> list[Any]:
    """The same event twice in one batch (a re-published copy next to the original) would
    make its handler create the same aggregate twice before either is saved."""
    seen: set[Any] = set()
    first = []
    for delivery in batch:
        if delivery.event.event_id not in seen:
            seen.add(delivery.event.event_id)
            first.append(delivery)
    return first
