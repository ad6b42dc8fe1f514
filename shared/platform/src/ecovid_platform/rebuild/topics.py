"""Reading topics from their first record, with no consumer group (nothing is committed)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition

from ecovid_events import IntegrationEvent, InvalidEvent, parse_event

log = structlog.get_logger(__name__)


class TopicReader:
    """Batches of events from the earliest offset; `to_end()` stops at each partition's
    end as of the call, and a later call goes on from there."""

    def __init__(self, bootstrap: str, topics: Sequence[str], wanted: set[str], batch_size: int = 2000,
                 stall_seconds: float = 15.0) -> None:
        self.bootstrap, self.topics, self.wanted, self.batch_size = bootstrap, tuple(topics), wanted, batch_size
        self.consumer: AIOKafkaConsumer | None = None
        self.assigned: list[TopicPartition] = []
        self.read = 0
        # A partition whose end cannot be reached: a broker that lost records (or a topic
        # re-created meanwhile) hands out nothing below its end. Partition -> (position, end).
        self.stall_seconds = stall_seconds
        self.stalled: dict[TopicPartition, tuple[int, int]] = {}

    async def start(self) -> None:
        self.consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                                         group_id=None, max_partition_fetch_bytes=8 * 1024 * 1024)
        await self.consumer.start()
        await self.consumer.topics()  # fetches the metadata that partitions_for_topic reads
        self.assigned = [TopicPartition(topic, p) for topic in self.topics
                         for p in sorted(self.consumer.partitions_for_topic(topic) or ())]
        if self.assigned:
            self.consumer.assign(self.assigned)
            await self.consumer.seek_to_beginning(*self.assigned)

    async def stop(self) -> None:
        if self.consumer is not None:
            await self.consumer.stop()

    async def total(self) -> int:
        """How many records the topics hold now (for a progress bar)."""
        assert self.consumer is not None
        if not self.assigned:
            return 0
        ends = await self.consumer.end_offsets(self.assigned)
        starts = await self.consumer.beginning_offsets(self.assigned)
        return sum(max(0, ends[tp] - starts[tp]) for tp in self.assigned)

    async def to_end(self) -> AsyncIterator[tuple[int, list[IntegrationEvent]]]:
        """(records read, the wanted events among them) per fetch, up to the end as of now."""
        consumer = self.consumer
        assert consumer is not None
        if not self.assigned:
            return
        ends = await consumer.end_offsets(self.assigned)
        done: set[TopicPartition] = set(self.stalled)
        moved = dict.fromkeys(self.assigned, time.monotonic())
        positions: dict[TopicPartition, int] = {}
        while len(done) < len(self.assigned):
            reading = [tp for tp in self.assigned if tp not in done]
            fetched = await consumer.getmany(*reading, timeout_ms=300, max_records=self.batch_size)
            records = [record for batch in fetched.values() for record in batch]
            self.read += len(records)
            if records:
                yield len(records), [e for e in map(self._event, records) if e is not None]
            cut_short = len(records) >= self.batch_size
            for tp in reading:
                position = await consumer.position(tp)
                # Done once past the end, or at it with nothing fetched for it in a fetch that was
                # not cut short: a broker (tansu) may report the last offset rather than the next
                # one. Per partition, so producers writing on meanwhile never keep the read going.
                if position > ends[tp] or (position >= ends[tp] and not fetched.get(tp) and not cut_short):
                    done.add(tp)
                elif positions.setdefault(tp, position) != position:
                    positions[tp], moved[tp] = position, time.monotonic()
                elif time.monotonic() - moved[tp] > self.stall_seconds:
                    # Never waits for ever: the partition is given up and the rebuild says so.
                    self.stalled[tp] = (position, ends[tp])
                    done.add(tp)
                    log.warning("topic partition unreadable up to its end: the broker lost records",
                                topic=tp.topic, partition=tp.partition, position=position, end=ends[tp],
                                waited_s=self.stall_seconds)

    def _event(self, record: Any) -> IntegrationEvent | None:
        labelled = dict(record.headers or ()).get("event_type")
        if labelled is not None and labelled.decode(errors="replace") not in self.wanted:
            return None
        try:
            event = parse_event(record.value or b"")
        except InvalidEvent:
            return None  # the live consumer dead-lettered it: it is not in the read model either
        return event if event.event_type in self.wanted else None
