"""Rebuild of the timeline from the topics: empty it and its consumers' bookkeeping, then
read every topic again from offset 0 up to where it ends now, through the same projection.

The live consumers keep running: an event both of them meet is stored once (by event id),
and what arrives after the end read here is the live consumers' to apply.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition

from ecovid_events import InvalidEvent, parse_event
from ecovid_platform.storage import Storage
from ecovid_platform.tables import consumer_inbox, consumer_offsets

from dossier import timeline

log = structlog.get_logger(__name__)


async def rebuild_timeline(storage: Storage, bootstrap: str) -> dict[str, Any]:
    started = time.perf_counter()
    names = [timeline.CONSUMER]
    with storage.transaction() as session:
        session.execute(timeline.timeline_entries.delete())
        session.execute(consumer_inbox.delete().where(consumer_inbox.c.consumer.in_(names)))
        session.execute(consumer_offsets.delete().where(consumer_offsets.c.consumer.in_(names)))
    read = applied = 0
    for topic in timeline.TOPICS:
        async for batch in _records(bootstrap, topic):
            read += len(batch)
            applied += _apply(storage, batch)
    seconds = time.perf_counter() - started
    log.info("timeline rebuilt", read=read, applied=applied, seconds=round(seconds, 3))
    return {"read": read, "applied": applied, "seconds": round(seconds, 3)}


def _apply(storage: Storage, batch: list[Any]) -> int:
    events = []
    for record in batch:
        try:
            events.append(parse_event(record.value or b""))
        except InvalidEvent:
            continue  # the live consumer dead-lettered it: it is not on the timeline either
    with storage.transaction() as session:
        return timeline.record_events(session, events)


async def _records(bootstrap: str, topic: str) -> AsyncIterator[list[Any]]:
    """Batches of one topic from the beginning to (at least) its end as of now, with no consumer group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        await consumer.topics()  # fetches the metadata that partitions_for_topic reads
        partitions = sorted(consumer.partitions_for_topic(topic) or ())
        assigned = [TopicPartition(topic, p) for p in partitions]
        if not assigned:
            return
        consumer.assign(assigned)
        ends = await consumer.end_offsets(assigned)
        await consumer.seek_to_beginning(*assigned)
        while True:
            fetched = await consumer.getmany(*assigned, timeout_ms=500, max_records=500)
            batch = [record for records in fetched.values() for record in records]
            if batch:
                yield batch
            positions = {tp: await consumer.position(tp) for tp in assigned}
            # Done once an idle fetch finds the topic read up to its end as of the start.
            # Past the end counts too: a broker (tansu) may report the last offset, not the
            # next one; anything read beyond is stored once anyway.
            if all(positions[tp] > ends[tp] for tp in assigned) or (
                not batch and all(positions[tp] >= ends[tp] for tp in assigned)
            ):
                return
    finally:
        await consumer.stop()

