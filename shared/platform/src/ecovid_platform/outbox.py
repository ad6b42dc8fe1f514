"""The outbox relay: tails a service's notification log in order and publishes to Kafka.

Delivery is at-least-once: the position is recorded after the broker acknowledged
the batch, so a crash in between re-publishes events with the same `event_id`.

A broker that lost its topics (a development broker restarted empty, a re-created
topic, a restored cluster) is found at start: the topic is empty while the relay's
position says events were published. The relay then re-publishes the whole
notification log, with the same event ids; consumers apply each event once by its id,
so no read model changes and no alert is raised twice, while a consumer that had not
yet read them, or one rebuilt later, finds them all again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, cast

import sqlalchemy as sa
import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from ecovid_platform.application import ServiceApplication
from ecovid_platform.failures import is_transient
from ecovid_platform.integration import Translate
from ecovid_platform.storage import Storage
from ecovid_platform.tables import outbox_position
from ecovid_platform.wakeup import Wakeup

# Partition -> end offset (the next offset to be written); empty when the topic is missing.
EndOffsets = Callable[[], Awaitable[Mapping[int, int]]]
log = structlog.get_logger(__name__)
_RETRY_FIRST_SECONDS, _RETRY_MAX_SECONDS = 0.2, 5.0


class OutboxRelay:
    def __init__(
        self,
        *,
        name: str,
        app: ServiceApplication,
        storage: Storage,
        translate: Translate,
        topic: str,
        bootstrap: str,
        batch_size: int = 500,
        idle_poll_seconds: float = 1.0,
        linger_seconds: float = 0.0,
        end_offsets: EndOffsets | None = None,
        check_broker_seconds: float = 5.0,
    ) -> None:
        self.name, self.app, self.storage = name, app, storage
        self.translate, self.topic, self.bootstrap = translate, topic, bootstrap
        self.batch_size, self.idle_poll_seconds = batch_size, idle_poll_seconds
        self.linger_seconds = linger_seconds
        self.end_offsets = end_offsets or (lambda: topic_end_offsets(self.bootstrap, self.topic))
        self._wakeup = Wakeup()
        self.check_broker_seconds = check_broker_seconds
        # The relay is the only writer of its position: read once, then kept here.
        self._published_up_to: int | None = None
        # Partition -> highest offset the broker gave this relay: one at or below it means the
        # broker lost the topic (only this relay writes to it).
        self._highest_offsets: dict[int, int] = {}

    def wake(self) -> None:
        """Thread-safe: called after every save so the relay does not wait for its poll."""
        self._wakeup.ring()

    async def run(self) -> None:
        """Relay until cancelled. The broker or the database going away is waited out (with
        backoff), never fatal: the position only moves after the broker acknowledged."""
        self._wakeup.bind()
        self.app.on_recorded = self.wake
        delay = _RETRY_FIRST_SECONDS
        while True:
            producer = AIOKafkaProducer(
                bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=False, linger_ms=2
            )
            try:
                await producer.start()
                if await self.broker_lost_events():
                    await asyncio.to_thread(self.reset_position)
                delay = _RETRY_FIRST_SECONDS
                await self._relay_until_failure(producer)
            except Exception as error:  # classified just below
                if not waits_out(error):
                    raise
                log.warning("outbox relay waiting: broker or database unreachable", relay=self.name,
                            error=repr(error), retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_MAX_SECONDS)
            finally:
                await stop_quietly(producer)

    async def _relay_until_failure(self, producer: AIOKafkaProducer) -> None:
        idle_since = asyncio.get_running_loop().time()
        while True:
            published = await self.relay_once(producer)
            if published < self.batch_size:
                await self._wait_for_new_events()
            now = asyncio.get_running_loop().time()
            if published:
                idle_since = now
            elif now - idle_since >= self.check_broker_seconds:
                # Nothing to publish: a broker that restarted empty meanwhile would otherwise go
                # unnoticed until the next save, and events it lost would wait until then.
                idle_since = now
                if await self.broker_lost_events():
                    await asyncio.to_thread(self.reset_position)

    async def _wait_for_new_events(self) -> None:
        await self._wakeup.wait(self.idle_poll_seconds, self.linger_seconds)

    async def broker_lost_events(self) -> bool:
        """The topic is empty (or missing) although this relay published events to it."""
        position = await asyncio.to_thread(self._position)
        if position == 0:
            return False
        ends = await self.end_offsets()
        if any(end > 0 for end in ends.values()):
            return False
        log.warning(
            "broker lost this service's events: topic empty, re-publishing the notification log from "
            "the start with the same event ids", relay=self.name, topic=self.topic,
            recorded_position=position, partitions=len(ends),
        )
        return True

    def reset_position(self) -> None:
        """Publish again from the start of the notification log (same event ids), at the next batch."""
        self._record_position(0)
        self._published_up_to = 0
        self._highest_offsets.clear()

    async def republish_all(self, producer: AIOKafkaProducer | None = None) -> int:
        """Publish every stored event again, from the start (for an operator: `ecovid-ops republish`).

        Safe while the service runs: consumers apply each event once by its id. Returns
        how many notifications were read from the log.
        """
        own = producer is None
        if producer is None:
            producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=False)
            await producer.start()
        try:
            await asyncio.to_thread(self.reset_position)
            total = 0
            while published := await self.relay_once(producer):
                total += published
            return total
        finally:
            if own:
                await producer.stop()

    async def relay_once(self, producer: AIOKafkaProducer) -> int:
        if self._published_up_to is None:
            self._published_up_to = await asyncio.to_thread(self._position)
        position = self._published_up_to
        notifications = await asyncio.to_thread(
            self.app.recorder.select_notifications,
            position,
            self.batch_size,
            inclusive_of_start=False,
        )
        if not notifications:
            return 0
        await topic_created(producer)
        sends = []
        for notification in notifications:
            domain_event = self.app.mapper.to_domain_event(notification)
            for event in self.translate(domain_event):
                sends.append(await producer.send(
                    self.topic,
                    event.to_bytes(),
                    key=event.kafka_key(),
                    headers=[
                        ("event_type", event.event_type.encode()),
                        ("correlation_id", event.correlation_id.encode()),
                    ],
                ))
        delivered = await asyncio.gather(*sends)
        if self._offsets_went_back(delivered):
            # The broker restarted empty under us: what it had is gone, so publish it all again.
            await asyncio.to_thread(self.reset_position)
            return len(notifications)
        await asyncio.to_thread(self._record_position, notifications[-1].id)
        self._published_up_to = notifications[-1].id
        log.debug("outbox relayed", count=len(sends), position=notifications[-1].id)
        return len(notifications)

    def _offsets_went_back(self, delivered: Iterable[Any]) -> bool:
        """True when the broker gave an offset at or below one it gave before for that partition."""
        went_back = False
        for metadata in delivered:
            highest = self._highest_offsets.get(metadata.partition, -1)
            if metadata.offset <= highest:
                went_back = True
                log.warning("broker offsets went back: topic re-created or broker restarted empty; "
                            "re-publishing the notification log from the start", relay=self.name,
                            topic=self.topic, partition=metadata.partition, offset=metadata.offset,
                            highest_offset_before=highest)
                self._highest_offsets.clear()
                break
            self._highest_offsets[metadata.partition] = metadata.offset
        return went_back

    def _position(self) -> int:
        return read_position(self.storage, self.name)

    def _record_position(self, notification_id: int) -> None:
        record_position(self.storage, self.name, notification_id)


def read_position(storage: Storage, relay: str) -> int:
    """How far a relay published (0: nothing yet)."""
    with storage.transaction() as session:
        value = session.execute(
            sa.select(outbox_position.c.notification_id).where(outbox_position.c.relay == relay)
        ).scalar_one_or_none()
    return value or 0


def record_position(storage: Storage, relay: str, notification_id: int) -> None:
    # Not durable: after a database crash the relay re-publishes from an older position.
    with storage.transaction(durable=False) as session:
        updated = cast(sa.CursorResult[Any], session.execute(
            outbox_position.update()
            .where(outbox_position.c.relay == relay)
            .values(notification_id=notification_id)
        )).rowcount
        if not updated:
            session.execute(outbox_position.insert().values(relay=relay, notification_id=notification_id))


async def topic_created(producer: AIOKafkaProducer) -> None:
    """Ask the broker for the topic's metadata (creating it if it has none) before writing to it.

    A producer writes with the partitions it already knows: after tansu restarted empty, it
    would write to a topic the broker never created, and the next client asking for that
    topic creates it over the records, sending its offsets back to 0 and failing every later
    write (`AlreadyExists`) or leaving offsets nobody can read. One metadata request per
    batch (tens of microseconds on a local broker) makes the topic exist before any record.
    """
    await producer.client.force_metadata_update()


def waits_out(error: BaseException) -> bool:
    """The broker or the database is away: wait and try again. Anything else is a defect."""
    return isinstance(error, KafkaError | OSError) or is_transient(error)


async def stop_quietly(producer: AIOKafkaProducer) -> None:
    try:
        await producer.stop()
    except Exception as error:  # noqa: BLE001 - a producer that never connected may fail to stop
        log.debug("producer stop failed", error=repr(error))


async def topic_end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """End offset of each partition of the topic; empty if the broker does not know the topic."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        if topic not in await consumer.topics():
            return {}
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = await consumer.end_offsets(partitions) if partitions else {}
        return {where.partition: end for where, end in ends.items()}
    finally:
        await consumer.stop()
