"""Fakes for the platform's delivery machinery: a broker without a broker, a test aggregate.

`FakeKafka` keeps per-partition logs, a consumer position and a committed offset,
and hands batches to a subscribed handler the way faststream does under
`AckPolicy.MANUAL` (an exception escaping the handler is swallowed, with neither
ack nor rewind). `restart_empty` is the development broker restarted: logs and
offsets gone, numbering from 0 again.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from aiokafka import TopicPartition
from eventsourcing.domain import Aggregate, event

from ecovid_events import Actor, IntegrationEvent
from ecovid_events.dossier import PatientRegistered, PatientRegisteredPayload
from ecovid_platform.application import ServiceApplication, trace
from ecovid_platform.integration import EVERY, envelope
from ecovid_platform.storage import Storage

TOPIC = "platform-test.events"
MARK_NAMESPACE = uuid.UUID("1d6f2b0e-7c1a-4a8e-9d3b-5e2f0c4b6a71")
TRACE = trace(Actor(kind="platform"), "platform-test")

effects = sa.MetaData()
applied = sa.Table(
    "applied", effects, sa.Column("event_id", sa.String(36)), sa.Column("name", sa.String(50)),
)


class Mark(Aggregate):
    """One mark per source event: the effect a Commands handler creates."""

    @staticmethod
    def create_id(source_event_id: uuid.UUID, name: str, trace: dict[str, Any] = TRACE) -> uuid.UUID:
        return uuid.uuid5(MARK_NAMESPACE, str(source_event_id))

    @event("Made", topic="platform-test:Mark.Made.v1")
    def __init__(self, source_event_id: uuid.UUID, name: str, trace: dict[str, Any] = TRACE) -> None:
        self.name = name


class Marks(ServiceApplication):
    name = "platform-test"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[str] = []
        # Raised (and consumed) on the next calls, in order: simulates a failing dependency.
        self.failures: list[BaseException] = []
        self.before_save: Callable[[PatientRegistered], None] | None = None

    def mark_for(self, registered: PatientRegistered) -> list[Mark]:
        self.calls.append(registered.payload.last_name)
        if self.failures:
            raise self.failures.pop(0)
        if registered.payload.last_name == "Failing":
            raise RuntimeError("this handler always fails on Failing")
        if self.recorder.select_events(Mark.create_id(registered.event_id, ""), limit=1):
            return []
        if self.before_save is not None:
            hook, self.before_save = self.before_save, None
            hook(registered)
        return [Mark(source_event_id=registered.event_id, name=registered.payload.last_name)]

    def mark_names(self) -> list[str]:
        notifications = self.recorder.select_notifications(0, 10_000)
        return sorted(self.mapper.to_domain_event(n).name for n in notifications)


def translate(domain_event: Any, wanted: Container[str] = EVERY) -> list[IntegrationEvent]:
    """A mark announced as a registration: enough to check ids and order."""
    return [PatientRegistered(
        **envelope(domain_event, "platform-test", patient_id=uuid.UUID(int=7)),
        payload=PatientRegisteredPayload(last_name=domain_event.name, first_name="Jean",
                                         birth_date=date(1970, 1, 1), sex="male", commune="Paris"),
    )]


def registered(last_name: str, event_id: uuid.UUID | None = None) -> PatientRegistered:
    return PatientRegistered(
        event_id=event_id or uuid.uuid4(), occurred_at=datetime.now(UTC), producer="test",
        patient_id=uuid.uuid4(), correlation_id="platform-test", actor=Actor(kind="platform"),
        payload=PatientRegisteredPayload(last_name=last_name, first_name="Jean",
                                         birth_date=date(1970, 1, 1), sex="male", commune="Paris"),
    )


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass
class FakeMessage:
    raw_message: tuple[Record, ...]
    consumer: FakeKafka
    acked: bool = False

    async def ack(self) -> None:
        if self.consumer.ack_fails:
            self.consumer.ack_fails -= 1
            raise ConnectionError("commit failed: broker gone")
        self.consumer.committed.update(self.consumer.position)
        self.acked = True


@dataclass
class FakeKafka:
    logs: dict[tuple[str, int], list[Record]] = field(default_factory=lambda: defaultdict(list))
    position: dict[tuple[str, int], int] = field(default_factory=dict)
    committed: dict[tuple[str, int], int] = field(default_factory=dict)
    handler: Callable[..., Any] | None = None
    subscribed: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    publish_fails: int = 0
    ack_fails: int = 0
    swallowed: list[BaseException] = field(default_factory=list)

    def produce(self, topic: str, value: bytes, *, key: bytes | None = None, partition: int = 0,
                headers: tuple[tuple[str, bytes], ...] = ()) -> int:
        log = self.logs[topic, partition]
        log.append(Record(topic, partition, len(log), key, value, headers))
        return len(log) - 1

    def produce_event(self, event: IntegrationEvent, partition: int = 0, topic: str = TOPIC) -> int:
        return self.produce(topic, event.to_bytes(), key=event.kafka_key(), partition=partition,
                            headers=(("event_type", event.event_type.encode()),))

    def restart_empty(self) -> None:
        """The development broker restarted: topics and committed offsets are gone."""
        self.logs.clear()
        self.position.clear()
        self.committed.clear()

    def recreate(self, topic: str = TOPIC) -> None:
        """The topic deleted and created again while the broker runs: its records are gone and
        numbered from 0 again, but the group's committed offsets and the consumer's position
        survive (as on tansu, and on Kafka, whose clients here ignore topic ids)."""
        for where in [w for w in self.logs if w[0] == topic]:
            del self.logs[where]

    def crash_consumer(self) -> None:
        """The consumer process died: its successor starts from the committed offsets."""
        self.position = dict(self.committed)

    def records(self, topic: str) -> list[Record]:
        return [r for (t, _), log in sorted(self.logs.items()) if t == topic for r in log]

    # The part of faststream's KafkaBroker the consumer uses.
    def subscriber(self, *topics: str, **options: Any) -> Callable[[Any], Any]:
        self.subscribed, self.options = topics, options

        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.handler = handler
            return handler

        return register

    async def publish(self, value: bytes, topic: str, *, key: bytes | None = None,
                      headers: dict[str, str] | None = None) -> None:
        if self.publish_fails:
            self.publish_fails -= 1
            raise ConnectionError("broker gone")
        self.produce(topic, value, key=key, headers=tuple((k, v.encode()) for k, v in (headers or {}).items()))

    # The part of aiokafka's consumer the consumer uses.
    def seek(self, where: TopicPartition, offset: int) -> None:
        self.position[where.topic, where.partition] = offset

    async def deliver(self, max_records: int = 500) -> FakeMessage | None:
        """Fetch one batch from the positions and hand it over; None when there is nothing new."""
        batch: list[Record] = []
        for (topic, partition), log in sorted(self.logs.items()):
            if topic not in self.subscribed:
                continue
            start = self.position.get((topic, partition), self.committed.get((topic, partition), 0))
            taken = log[start:start + max_records - len(batch)]
            batch.extend(taken)
            self.position[topic, partition] = start + len(taken)
        if not batch:
            return None
        message = FakeMessage(tuple(batch), self)
        assert self.handler is not None
        try:
            await self.handler(None, message)
        except Exception as error:  # noqa: BLE001 - what faststream 0.7.8 does under MANUAL
            self.swallowed.append(error)
        return message

    async def drain(self, max_records: int = 500, rounds: int = 50) -> int:
        for done in range(rounds):
            if await self.deliver(max_records) is None:
                return done
        raise AssertionError(f"still delivering after {rounds} batches")

    def dead_letters(self, topic: str = TOPIC) -> list[dict[str, str]]:
        return [{k: v.decode() for k, v in r.headers} | {"value": r.value.decode()}
                for r in self.records(f"{topic}.dlt")]


class FakePeek:
    """`identity.RecordPeek` on a `FakeKafka`'s logs; `blind` answers nothing (broker too slow)."""

    def __init__(self, kafka: FakeKafka) -> None:
        self.kafka, self.blind, self.asked = kafka, False, 0

    async def event_ids_at(self, offsets: dict[TopicPartition, int]) -> dict[TopicPartition, str | None]:
        self.asked += 1
        if self.blind:
            return {}
        found: dict[TopicPartition, str | None] = {}
        for tp, offset in offsets.items():
            log = self.kafka.logs.get((tp.topic, tp.partition), [])
            found[tp] = str(orjson.loads(log[offset].value).get("event_id", "")) if offset < len(log) else None
        return found


def names(storage: Storage) -> list[str]:
    with storage.transaction() as session:
        return sorted(session.execute(sa.select(applied.c.name)).scalars())


class FakeTopicConsumer:
    """The part of aiokafka's `AIOKafkaConsumer` the rebuild's `TopicReader` uses, reading a
    `FakeKafka`'s logs. `end_is_last_offset`: report each partition's last offset as its end,
    as tansu does, rather than the next one."""

    def __init__(self, kafka: FakeKafka, *, end_is_last_offset: bool = False, **options: Any) -> None:
        self.kafka, self.end_is_last_offset, self.options = kafka, end_is_last_offset, options
        self.positions: dict[TopicPartition, int] = {}
        self.assigned: list[TopicPartition] = []
        self.stopped = False

    def _log(self, tp: TopicPartition) -> list[Record]:
        return self.kafka.logs.get((tp.topic, tp.partition), [])

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self.stopped = True

    async def topics(self) -> set[str]:
        return {topic for topic, _ in self.kafka.logs}

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return {p for t, p in self.kafka.logs if t == topic} or None

    def assign(self, partitions: list[TopicPartition]) -> None:
        self.assigned = list(partitions)

    async def seek_to_beginning(self, *partitions: TopicPartition) -> None:
        self.positions.update(dict.fromkeys(partitions, 0))

    async def beginning_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return dict.fromkeys(partitions, 0)

    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: len(self._log(tp)) - (1 if self.end_is_last_offset else 0) for tp in partitions}

    async def getmany(self, *partitions: TopicPartition, timeout_ms: int, max_records: int
                      ) -> dict[TopicPartition, list[Record]]:
        fetched = {}
        for tp in partitions:
            taken = self._log(tp)[self.positions[tp]:self.positions[tp] + max_records - sum(map(len, fetched.values()))]
            if taken:
                fetched[tp] = taken
                self.positions[tp] += len(taken)
        return fetched

    async def position(self, tp: TopicPartition) -> int:
        return self.positions[tp]
