"""The rebuild's topic reader: every record from the earliest offset up to the end as of the
call, the wanted events among them; aiokafka's consumer replaced by one over `FakeKafka`."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import TopicPartition
from platform_fakes import TOPIC, FakeKafka, FakeTopicConsumer, registered

from ecovid_events import Actor, IntegrationEvent
from ecovid_events.care_circle import CareTeamMemberPayload, CareTeamMemberRemoved
from ecovid_platform.rebuild import topics
from ecovid_platform.rebuild.topics import TopicReader

OTHER = "platform-test.other"


def reader(monkeypatch: pytest.MonkeyPatch, kafka: FakeKafka, *, end_is_last_offset: bool = False,
           topic_names: tuple[str, ...] = (TOPIC, OTHER), batch_size: int = 2000) -> TopicReader:
    monkeypatch.setattr(topics, "AIOKafkaConsumer",
                        lambda **options: FakeTopicConsumer(kafka, end_is_last_offset=end_is_last_offset, **options))
    return TopicReader("fake:9092", topic_names, {"PatientRegistered"}, batch_size=batch_size)


async def read_to_end(found: TopicReader) -> list[IntegrationEvent]:
    return [event async for _, events in found.to_end() for event in events]


@pytest.mark.parametrize("end_is_last_offset", [False, True], ids=["next-offset", "last-offset (tansu)"])
def test_every_record_is_read_once_and_a_read_ends_although_producers_go_on(
        monkeypatch: pytest.MonkeyPatch, kafka: FakeKafka, end_is_last_offset: bool) -> None:
    """Whichever end convention the broker uses, every record of every partition is read, each
    once, and a read ends at the end seen when it began although a producer adds a record after
    every fetch; a later call reads on from there. Break: stop when positions reach `end` (>=)
    even with records in hand -> under the last-offset convention a partition's last record is
    never read -> fails; take the ends again on each fetch -> the read chases the producer to
    its last record -> fails."""
    sent = {name: registered(name) for name in ("Martin", "Durand", "Petit", "Leroy", "Moreau")}
    for i, event in enumerate(sent.values()):
        kafka.produce_event(event, partition=i % 2, topic=TOPIC if i < 4 else OTHER)
    late = [registered(f"Late {i}") for i in range(40)]
    found = reader(monkeypatch, kafka, end_is_last_offset=end_is_last_offset, batch_size=2)

    async def scenario() -> tuple[list[IntegrationEvent], list[IntegrationEvent]]:
        await found.start()
        first, produced = [], 0
        async for _, events in found.to_end():
            first.extend(events)
            if produced < len(late):
                kafka.produce_event(late[produced], partition=0)
                produced += 1
        for event in late[produced:]:
            kafka.produce_event(event, partition=0)
        second = await read_to_end(found)
        await found.stop()
        return first, second

    first, second = asyncio.run(scenario())
    first_ids = [e.event_id for e in first]
    assert {e.event_id for e in sent.values()} <= set(first_ids)
    # It ended well before the producer did (fails today under the next-offset convention: the
    # read ends only on a fetch that finds no record at all, so it chases a steady producer).
    assert len(first) < len(sent) + len(late) // 2
    everything = first_ids + [e.event_id for e in second]
    assert sorted(everything) == sorted(e.event_id for e in [*sent.values(), *late])  # each exactly once
    assert found.read == len(everything)


@pytest.mark.parametrize("end_is_last_offset", [False, True], ids=["next-offset", "last-offset (tansu)"])
def test_total_counts_the_records_the_topics_hold(
        monkeypatch: pytest.MonkeyPatch, kafka: FakeKafka, end_is_last_offset: bool) -> None:
    """The progress bar's total. Break: count the assigned partitions instead of their records,
    or take the end offsets alone -> fails."""
    for i in range(5):
        kafka.produce_event(registered(f"P{i}"), partition=i % 2)
    kafka.produce_event(registered("Other"), topic=OTHER)
    found = reader(monkeypatch, kafka, end_is_last_offset=end_is_last_offset)

    async def scenario() -> int:
        await found.start()
        return await found.total()

    # Under tansu's convention each partition reads one short: a progress bar's estimate only.
    assert asyncio.run(scenario()) == (6 if not end_is_last_offset else 3)


def test_unwanted_and_unreadable_records_are_counted_but_not_handed_on(
        monkeypatch: pytest.MonkeyPatch, kafka: FakeKafka) -> None:
    """A record labelled with another event type, one of another type unlabelled, and one that is
    not an event (the live consumer dead-lettered it) are read, never applied. Break: drop the type
    check after parsing -> the unlabelled foreign event is handed on -> fails; let InvalidEvent
    escape -> the rebuild dies on a poison record -> fails."""
    wanted = registered("Martin")
    kafka.produce_event(wanted)
    kafka.produce(TOPIC, wanted.to_bytes(), headers=(("event_type", b"AlertRaised"),))
    foreign = CareTeamMemberRemoved(
        event_id=uuid.uuid4(), occurred_at=datetime.now(UTC), producer="care-circle", patient_id=uuid.uuid4(),
        correlation_id="platform-test", actor=Actor(kind="platform"),
        payload=CareTeamMemberPayload(professional_id=uuid.uuid4(), role="doctor"))
    kafka.produce(TOPIC, foreign.to_bytes())  # no header: only the parsed type tells
    kafka.produce(TOPIC, b"{not json")
    found = reader(monkeypatch, kafka)

    async def scenario() -> list[IntegrationEvent]:
        await found.start()
        return await read_to_end(found)

    assert [e.event_id for e in asyncio.run(scenario())] == [wanted.event_id]
    assert found.read == 4


def test_topics_without_partitions_give_nothing(monkeypatch: pytest.MonkeyPatch, kafka: FakeKafka) -> None:
    """A consumed topic nobody produced to yet (not created): no assignment, zero records, no
    wait. Break: assign and read anyway -> the fake consumer has no position for it -> fails."""
    found = reader(monkeypatch, kafka, topic_names=("never.created",))

    async def scenario() -> tuple[int, list[IntegrationEvent]]:
        await found.start()
        return await found.total(), await read_to_end(found)

    assert asyncio.run(scenario()) == (0, [])


class _LosingBroker(FakeTopicConsumer):
    """Reports partition 0's end 3 records beyond what it can hand out: records lost by the broker."""

    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        ends = await super().end_offsets(partitions)
        return {tp: end + (3 if tp.partition == 0 else 0) for tp, end in ends.items()}

    async def getmany(self, *partitions: TopicPartition, timeout_ms: int, max_records: int
                      ) -> dict[TopicPartition, list[Any]]:
        await asyncio.sleep(0.01)  # a real fetch waits for records: the event loop runs meanwhile
        return await super().getmany(*partitions, timeout_ms=timeout_ms, max_records=max_records)


def test_a_partition_whose_end_is_never_reached_is_given_up_and_named(
        monkeypatch: pytest.MonkeyPatch, kafka: FakeKafka) -> None:
    """A broker that lost records reports an end it never reaches (tansu after a restart under
    load): the read gives that partition up once it has not moved for `stall_seconds`, reads
    every other partition to its end, and names the partition with its position and end.
    Break: drop the stall check -> the read never ends (the 10 s bound below fails it)."""
    for i in range(4):
        kafka.produce_event(registered(f"P{i}"), partition=i % 2)
    monkeypatch.setattr(topics, "AIOKafkaConsumer", lambda **options: _LosingBroker(kafka, **options))
    found = TopicReader("fake:9092", (TOPIC,), {"PatientRegistered"}, stall_seconds=0.3)

    async def scenario() -> list[IntegrationEvent]:
        await found.start()
        try:
            return await asyncio.wait_for(read_to_end(found), timeout=10)
        finally:
            await found.stop()

    events = asyncio.run(scenario())
    assert len(events) == 4
    assert found.stalled == {TopicPartition(TOPIC, 0): (2, 5)}
