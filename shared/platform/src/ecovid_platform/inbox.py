"""The inbox of a read-model consumer: effects, event ids and offsets in one transaction.

An event is applied once by its id, whatever offset it comes at (a re-published copy,
or a broker that restarted empty and numbers events from 0 again). The offsets are
recorded for information and to reveal a partition whose offsets went backwards:
the recorded offset then follows the new numbering (this table has no rule against
moving back), after a warning with the figures.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import groupby
from typing import Any

import sqlalchemy as sa
import structlog

from ecovid_platform.identity import TopicIdentity
from ecovid_platform.storage import Storage
from ecovid_platform.tables import consumer_inbox, consumer_offsets

log = structlog.get_logger(__name__)


class Inbox:
    def __init__(
        self, consumer: str, storage: Storage, redelivery_window: int = 500, identity: TopicIdentity | None = None,
    ) -> None:
        self.consumer, self.storage, self.redelivery_window = consumer, storage, redelivery_window
        self.identity = identity

    def project(self, batch: list[Any], handlers: dict[str, Any]) -> None:
        """Apply each event not seen before; a re-published event (same id) is skipped.

        Consecutive events with the same handler go to it together (`Projects.apply_all`),
        so a projection may write a run of events in a few statements.
        """
        with self.storage.transaction() as session:
            seen = self._seen(session, [str(d.event.event_id) for d in batch])
            fresh = []
            for delivery in batch:
                if str(delivery.event.event_id) not in seen:
                    seen.add(str(delivery.event.event_id))
                    fresh.append(delivery.event)
            for handler, run in groupby(fresh, key=lambda event: handlers[event.event_type]):
                events = list(run)
                handler.apply_all(session, events)
                for event in events:
                    log_applied(self.consumer, event)
            if fresh:
                now = datetime.now(UTC)
                session.execute(consumer_inbox.insert(), [
                    {"consumer": self.consumer, "event_id": str(e.event_id), "applied_at": now} for e in fresh
                ])
            self._record_offsets(session, batch, {str(e.event_id) for e in fresh})
            if self.identity is not None:
                self.identity.remember(session, batch)

    def _seen(self, session: Any, event_ids: list[str]) -> set[str]:
        rows = session.execute(sa.select(consumer_inbox.c.event_id).where(
            consumer_inbox.c.consumer == self.consumer, consumer_inbox.c.event_id.in_(event_ids)
        ))
        return set(rows.scalars())

    def _record_offsets(self, session: Any, batch: list[Any], fresh_ids: set[str]) -> None:
        recorded = self._recorded_offsets(session)
        for (topic, partition), run in groupby(
            sorted(batch, key=lambda d: (d.topic, d.partition, d.offset)), key=lambda d: (d.topic, d.partition)
        ):
            share = list(run)
            before = recorded.get((topic, partition))
            last = share[-1].offset
            if went_backwards(share[0].offset, before, window=self.redelivery_window, fresh_below=any(
                d.offset <= (before or -1) and str(d.event.event_id) in fresh_ids for d in share
            )):
                log.warning(
                    "partition offsets went backwards: broker restarted empty or topic re-created; "
                    "every event is still applied once, by its id", consumer=self.consumer, topic=topic,
                    partition=partition, recorded_position=before, offset_seen=share[0].offset,
                )
            elif before is not None and last <= before:
                continue  # a redelivery: the position never moves back for it
            key = (consumer_offsets.c.consumer == self.consumer) & (consumer_offsets.c.topic == topic) & (
                consumer_offsets.c.partition == partition
            )
            if before is not None:
                session.execute(consumer_offsets.update().where(key).values(offset=last))
            else:
                session.execute(consumer_offsets.insert().values(
                    consumer=self.consumer, topic=topic, partition=partition, offset=last
                ))

    def _recorded_offsets(self, session: Any) -> dict[tuple[str, int], int]:
        rows = session.execute(sa.select(
            consumer_offsets.c.topic, consumer_offsets.c.partition, consumer_offsets.c.offset
        ).where(consumer_offsets.c.consumer == self.consumer))
        return {(topic, partition): offset for topic, partition, offset in rows}


def went_backwards(lowest: int, recorded: int | None, *, window: int, fresh_below: bool) -> bool:
    """Whether a partition's offsets went backwards rather than a batch being redelivered.

    A redelivery replays at most the last batch (committed here, not yet acknowledged):
    offsets within `window` below the position, every event already applied. Anything
    lower, or an event never applied before at an offset already passed, means the
    broker numbers new events with old offsets.
    """
    if recorded is None or lowest > recorded:
        return False
    return lowest <= recorded - window or fresh_below


def log_applied(consumer: str, event: Any) -> None:
    # Each event logs under its own correlation id, so one request can be followed end to end.
    log.info(
        "event applied", consumer=consumer, event_type=event.event_type,
        correlation_id=event.correlation_id, patient_id=str(event.patient_id or ""),
    )
