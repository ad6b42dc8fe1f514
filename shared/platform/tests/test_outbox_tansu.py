"""The relay on the real development broker (tansu) restarted empty under it.

After tansu restarts empty, a producer writes with the partitions it already knows, to a
topic the new broker never created; when another client then asks for that topic, tansu
creates it over those records: offsets go back to 0 and every later write fails
(`UnknownError`, `AlreadyExists` in its log), or leaves offsets nobody can read.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from platform_fakes import Mark, Marks, translate

from ecovid_platform.outbox import OutboxRelay
from ecovid_platform.rebuild.topics import TopicReader
from ecovid_platform.storage import Storage

from ecovid_stack import broker as tansu

pytestmark = pytest.mark.integration
TOPIC = "platform-test.events"


class Broker:
    def __init__(self, log_file: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log_file = log_file
        self.process = tansu.start_broker(self.port, log_file)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def restart_empty(self) -> None:
        tansu.stop_broker(self.process)
        self.process = tansu.start_broker(self.port, self.log_file)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    running = Broker(tmp_path / "broker.log")
    yield running
    tansu.stop_broker(running.process)


async def drain(relay: OutboxRelay, producer: AIOKafkaProducer) -> None:
    while await relay.relay_once(producer):
        pass


async def test_a_broker_restarted_empty_gets_every_event_and_every_later_write_succeeds(
        marks: Marks, storage: Storage, broker: Broker) -> None:
    """Break: drop `topic_created` from `relay_once` -> after a consumer asks for the topic,
    every write fails with UnknownError -> fails."""
    relay = OutboxRelay(name="platform-test.outbox", app=marks, storage=storage, translate=translate,
                        topic=TOPIC, bootstrap=broker.bootstrap)
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", enable_idempotence=False,
                                request_timeout_ms=5000)
    await producer.start()

    def save(count: int) -> None:
        for n in range(count):
            marks.save(Mark(source_event_id=uuid.uuid4(), name=f"Mark {n}"))

    try:
        save(30)
        await drain(relay, producer)
        await asyncio.to_thread(broker.restart_empty)
        save(30)
        await drain(relay, producer)  # same producer: it knows the topic's partitions already
        consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=broker.bootstrap, group_id="platform-test.asks")
        await consumer.start()  # another client asks for the topic (tansu creates what it does not know)
        await consumer.stop()
        save(30)
        await drain(relay, producer)
    finally:
        await producer.stop()

    reader = TopicReader(broker.bootstrap, [TOPIC], {"PatientRegistered"}, stall_seconds=5)
    await reader.start()
    try:
        on_topic = [event async for _, events in reader.to_end() for event in events]
    finally:
        await reader.stop()
    assert reader.stalled == {}
    assert marks.recorder.max_notification_id() == 90
    # every stored event is on the topic, some twice (the relay re-published what the restart lost)
    assert len({e.event_id for e in on_topic}) == 90
