"""Is a partition still the one this consumer read? Offsets alone cannot tell.

A topic deleted and created again (a development broker restarted empty, a topic
re-created by hand, tansu losing a topic under load) numbers its records from 0 again
while the group's committed offsets, or the consumer's position in memory, survive.
The consumer then resumes at its old offset in the new numbering and silently skips
every record below it; offsets never go backwards from where it stands, so
`went_backwards` cannot see it (reproduced on tansu: a group that had committed 300
read 200 of the 500 records of the re-created topic).

So each consumer keeps, per partition, the offset and the event id of the last record
it applied, written in the same transaction as the effects (`remember`). Before
reading on past that record (a batch starting after it, and on each assignment, for a
position left above the end of a shorter new topic), the record at that offset is read
back: missing, or carrying another event id, the partition is another one. The
consumer logs a warning with the figures and reads the partition again from the
beginning: effects are idempotent by event id, so re-reading costs time, never a
second effect.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
import sqlalchemy as sa
import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError, OffsetOutOfRangeError

from ecovid_platform.storage import Storage
from ecovid_platform.tables import consumer_last_applied

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Witness:
    """The last record a consumer applied from a partition."""

    offset: int
    event_id: str


class CannotTell(Exception):
    """The broker did not show the record in time: whether the partition changed is unknown."""


class RecordPeek(Protocol):
    async def event_ids_at(self, offsets: Mapping[TopicPartition, int]) -> dict[TopicPartition, str | None]:
        """The event id of the record at each offset; None where the partition has no record
        there. Partitions it could not read in time are left out."""
        ...


class TopicIdentity:
    def __init__(self, consumer: str, storage: Storage, peek: RecordPeek | None) -> None:
        self.consumer, self.storage, self.peek = consumer, storage, peek

    def remember(self, session: Any, deliveries: Sequence[Any]) -> None:
        """Inside the effects' transaction: the last delivery of each partition is its witness."""
        last: dict[tuple[str, int], Any] = {}
        for delivery in deliveries:
            where = (delivery.topic, delivery.partition)
            if where not in last or delivery.offset > last[where].offset:
                last[where] = delivery
        for (topic, partition), delivery in last.items():
            values = {"offset": delivery.offset, "event_id": str(delivery.event.event_id)}
            if session.execute(consumer_last_applied.update().where(self._key(topic, partition)).values(**values)
                               ).rowcount == 0:
                session.execute(consumer_last_applied.insert().values(
                    consumer=self.consumer, topic=topic, partition=partition, **values))

    async def changed(
        self, partitions: Iterable[TopicPartition], starts: Mapping[TopicPartition, int] | None = None,
    ) -> list[TopicPartition]:
        """The partitions whose witness is gone: each is forgotten, with a warning.

        With `starts` (a batch's first offset per partition), only partitions read on past
        their witness are checked: below it, records come again and are recognised by id.
        Raises `CannotTell` if a partition to check could not be read in time.
        """
        if self.peek is None:
            return []
        witnesses = await asyncio.to_thread(self._witnesses, list(partitions))
        if starts is not None:
            witnesses = {tp: w for tp, w in witnesses.items() if starts[tp] > w.offset}
        if not witnesses:
            return []
        found = await self.peek.event_ids_at({tp: w.offset for tp, w in witnesses.items()})
        unread = [tp for tp in witnesses if tp not in found]
        if unread:
            raise CannotTell(f"no answer for the records at {[(tp, witnesses[tp].offset) for tp in unread]}")
        gone = [tp for tp, witness in witnesses.items() if found[tp] != witness.event_id]
        for tp in gone:
            witness = witnesses[tp]
            log.warning(
                "partition is not the one this consumer read: topic re-created or broker restarted empty; "
                "reading it again from the beginning, every event still applied once, by its id",
                consumer=self.consumer, topic=tp.topic, partition=tp.partition, recorded_offset=witness.offset,
                recorded_event_id=witness.event_id, found_event_id=found[tp] or "no record at that offset",
            )
        if gone:
            # Forgotten, else a new topic holding none of this consumer's events would be
            # found "changed" again at each batch and read from the beginning for ever.
            await asyncio.to_thread(self._forget, gone)
        return gone

    def _witnesses(self, partitions: list[TopicPartition]) -> dict[TopicPartition, Witness]:
        wanted = set(partitions)
        with self.storage.transaction() as session:
            rows = session.execute(sa.select(
                consumer_last_applied.c.topic, consumer_last_applied.c.partition,
                consumer_last_applied.c.offset, consumer_last_applied.c.event_id,
            ).where(consumer_last_applied.c.consumer == self.consumer))
            return {tp: Witness(offset, event_id) for topic, partition, offset, event_id in rows
                    if (tp := TopicPartition(topic, partition)) in wanted}

    def _forget(self, partitions: list[TopicPartition]) -> None:
        with self.storage.transaction() as session:
            for tp in partitions:
                session.execute(consumer_last_applied.delete().where(self._key(tp.topic, tp.partition)))

    def _key(self, topic: str, partition: int) -> Any:
        return (consumer_last_applied.c.consumer == self.consumer) & (consumer_last_applied.c.topic == topic) & (
            consumer_last_applied.c.partition == partition)


class KafkaPeek:
    """Reads single records by offset with a consumer of its own: no group, nothing committed,
    the subscribed consumer's positions untouched."""

    def __init__(self, bootstrap: str, timeout: float = 3.0) -> None:
        self.bootstrap, self.timeout = bootstrap, timeout
        self._consumer: AIOKafkaConsumer | None = None

    async def event_ids_at(self, offsets: Mapping[TopicPartition, int]) -> dict[TopicPartition, str | None]:
        consumer = await self._started()
        consumer.assign(list(offsets))
        try:
            ends = await asyncio.wait_for(consumer.end_offsets(list(offsets)), self.timeout)
        except (KafkaError, TimeoutError):
            return {}  # the broker cannot say now (a topic gone for the moment, a broker away)
        # At or past the end: no record there. Asked first, because tansu answers a fetch
        # past the end with nothing rather than "out of range", for as long as it waits.
        found: dict[TopicPartition, str | None] = {tp: None for tp, offset in offsets.items() if ends[tp] <= offset}
        for tp, offset in offsets.items():
            consumer.seek(tp, offset)
        deadline = asyncio.get_running_loop().time() + self.timeout
        while len(found) < len(offsets) and asyncio.get_running_loop().time() < deadline:
            pending = [tp for tp in offsets if tp not in found]
            try:
                fetched = await consumer.getmany(*pending, timeout_ms=200, max_records=len(pending))
            except OffsetOutOfRangeError as error:  # below the log's start, or the end moved back
                found.update(dict.fromkeys(error.args[0] if error.args else pending))
                continue
            for tp, records in fetched.items():
                # Another offset first: nothing is left at the witness's offset (a gap).
                found[tp] = _event_id(records[0].value) if records[0].offset == offsets[tp] else None
        return found

    async def close(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    async def _started(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None, enable_auto_commit=False,
                                        auto_offset_reset="none", request_timeout_ms=int(self.timeout * 1000) + 1000)
            await consumer.start()
            self._consumer = consumer
        return self._consumer


def _event_id(value: bytes | None) -> str:
    try:
        fields = orjson.loads(value or b"")
        return str(fields["event_id"]) if isinstance(fields, dict) else ""
    except (orjson.JSONDecodeError, KeyError):
        return ""  # not an event: certainly not the one recorded
