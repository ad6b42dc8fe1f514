"""The inbox of a read-model consumer: effects, event ids and offsets in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import groupby
from typing import Any

import sqlalchemy as sa
import structlog

from ecovid_platform.storage import Storage
from ecovid_platform.tables import consumer_inbox, consumer_offsets

log = structlog.get_logger(__name__)


class Inbox:
    def __init__(self, consumer: str, storage: Storage) -> None:
        self.consumer, self.storage = consumer, storage

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
            for (topic, partition), offset in _last_offsets(batch).items():
                self._record_offset(session, topic, partition, offset)

    def _seen(self, session: Any, event_ids: list[str]) -> set[str]:
        rows = session.execute(sa.select(consumer_inbox.c.event_id).where(
            consumer_inbox.c.consumer == self.consumer, consumer_inbox.c.event_id.in_(event_ids)
        ))
        return set(rows.scalars())

    def _record_offset(self, session: Any, topic: str, partition: int, offset: int) -> None:
        key = (consumer_offsets.c.consumer == self.consumer) & (consumer_offsets.c.topic == topic) & (
            consumer_offsets.c.partition == partition
        )
        if not session.execute(consumer_offsets.update().where(key).values(offset=offset)).rowcount:
            session.execute(consumer_offsets.insert().values(
                consumer=self.consumer, topic=topic, partition=partition, offset=offset
            ))


def log_applied(consumer: str, event: Any) -> None:
    # Each event logs under its own correlation id, so one request can be followed end to end.
    log.info(
        "event applied", consumer=consumer, event_type=event.event_type,
        correlation_id=event.correlation_id, patient_id=str(event.patient_id or ""),
    )


def _last_offsets(batch: list[Any]) -> dict[tuple[str, int], int]:
    last: dict[tuple[str, int], int] = {}
    for delivery in batch:
        key = (delivery.topic, delivery.partition)
        last[key] = max(last.get(key, -1), delivery.offset)
    return last
