"""A topic re-created under a consumer (numbered from 0 again, the old offsets kept): every
event of the new topic is applied, none skipped, none twice.

Each test names the deliberate break it was seen to catch.
"""

from __future__ import annotations

import sqlalchemy as sa
import structlog
from aiokafka import TopicPartition
from platform_fakes import TOPIC, FakeKafka, FakePeek, Marks, applied, names, registered

from ecovid_platform.consumer import Commands, IdempotentConsumer, Projects
from ecovid_platform.storage import Storage
from ecovid_platform.tables import consumer_last_applied

PARTITION = TopicPartition(TOPIC, 0)


def apply(session: sa.orm.Session, event) -> None:  # type: ignore[no-untyped-def]
    session.execute(applied.insert().values(event_id=str(event.event_id), name=event.payload.last_name))


def projecting(kafka: FakeKafka, storage: Storage, peek: FakePeek, **options) -> IdempotentConsumer:  # type: ignore[no-untyped-def]
    consumer = IdempotentConsumer(
        name="platform-test.read-model", topics=[TOPIC], storage=storage,
        handlers={"PatientRegistered": Projects(apply)}, max_attempts=3, retry_delay=0, peek=peek, **options,
    )
    consumer.subscribe(kafka)  # type: ignore[arg-type]
    return consumer


def commanding(kafka: FakeKafka, storage: Storage, marks: Marks, peek: FakePeek) -> IdempotentConsumer:
    consumer = IdempotentConsumer(
        name="platform-test.marks", topics=[TOPIC], storage=storage, app=marks,
        handlers={"PatientRegistered": Commands(marks.mark_for)}, max_attempts=3, retry_delay=0, peek=peek,
    )
    consumer.subscribe(kafka)  # type: ignore[arg-type]
    return consumer


def produce(kafka: FakeKafka, *last_names: str) -> list:  # type: ignore[type-arg]
    events = [registered(name) for name in last_names]
    for event in events:
        kafka.produce_event(event)
    return events


def warnings(logs: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    return [entry for entry in logs if entry["log_level"] == "warning"]


def applied_once(storage: Storage) -> bool:
    with storage.transaction() as session:
        ids = list(session.execute(sa.select(applied.c.event_id)).scalars())
    return len(ids) == len(set(ids))


async def test_a_recreated_topic_refilled_past_the_old_offset_is_read_from_the_beginning(
    kafka: FakeKafka, storage: Storage,
) -> None:
    """The group committed 5; the topic comes back with 8 new records (offsets 0..7).

    Break: `changed` always [] (no identity check) -> fails (New0..New4 skipped).
    Break: seek the changed partition to its witness offset instead of 0 -> fails.
    Break: `remember` writes nothing -> fails (no witness, nothing checked).
    """
    projecting(kafka, storage, FakePeek(kafka))
    old = produce(kafka, *[f"Old{n}" for n in range(5)])
    await kafka.drain()
    assert kafka.committed == {(TOPIC, 0): 5}
    kafka.recreate()
    new = produce(kafka, *[f"New{n}" for n in range(8)])
    with structlog.testing.capture_logs() as logs:
        await kafka.drain()
    assert names(storage) == sorted([f"Old{n}" for n in range(5)] + [f"New{n}" for n in range(8)])
    assert applied_once(storage)
    (changed, *_) = warnings(logs)
    assert changed["event"].startswith("partition is not the one this consumer read")
    assert (changed["topic"], changed["partition"], changed["recorded_offset"]) == (TOPIC, 0, 4)
    assert changed["recorded_event_id"] == str(old[4].event_id)
    assert changed["found_event_id"] == str(new[4].event_id)
    assert kafka.committed == {(TOPIC, 0): 8}


async def test_an_unchanged_topic_reads_on_without_a_warning_or_a_rewind(kafka: FakeKafka, storage: Storage) -> None:
    """Break: compare the witness with another offset's event (`offset + 1`) -> fails (rewinds)."""
    peek = FakePeek(kafka)
    projecting(kafka, storage, peek)
    produce(kafka, "A", "B")
    await kafka.drain()
    produce(kafka, "C")
    with structlog.testing.capture_logs() as logs:
        await kafka.drain()
    assert warnings(logs) == [] and peek.asked == 1
    assert names(storage) == ["A", "B", "C"] and kafka.committed == {(TOPIC, 0): 3}


async def test_a_position_left_above_the_end_of_a_shorter_new_topic_restarts_on_assignment(
    kafka: FakeKafka, storage: Storage,
) -> None:
    """No batch ever comes for a position above the end: the assignment check moves it.

    Break: `on_assigned` does not seek -> fails (New0..New2 never applied).
    """
    consumer = projecting(kafka, storage, FakePeek(kafka))
    produce(kafka, *[f"Old{n}" for n in range(5)])
    await kafka.drain()
    kafka.recreate()
    produce(kafka, "New0", "New1", "New2")
    assert await kafka.deliver() is None  # stuck at 5, above the new end
    with structlog.testing.capture_logs() as logs:
        await consumer.on_assigned(kafka, [PARTITION])
        await kafka.drain()
    assert names(storage) == sorted(["New0", "New1", "New2"] + [f"Old{n}" for n in range(5)])
    (changed,) = warnings(logs)[:1]
    assert changed["found_event_id"] == "no record at that offset" and changed["recorded_offset"] == 4


async def test_a_check_the_broker_cannot_answer_pauses_rather_than_apply(kafka: FakeKafka, storage: Storage) -> None:
    """Applied unchecked, the new topic's records would become the witness and hide the change.

    Break: on CannotTell, apply the batch anyway -> fails (New0..New4 lost for good).
    """
    peek = FakePeek(kafka)
    projecting(kafka, storage, peek)
    produce(kafka, *[f"Old{n}" for n in range(5)])
    await kafka.drain()
    kafka.recreate()
    produce(kafka, *[f"New{n}" for n in range(8)])
    peek.blind = True
    await kafka.deliver()
    assert names(storage) == [f"Old{n}" for n in range(5)]
    peek.blind = False
    await kafka.drain()
    assert names(storage) == sorted([f"Old{n}" for n in range(5)] + [f"New{n}" for n in range(8)])


async def test_a_new_topic_without_this_consumers_events_is_not_read_again_for_ever(
    kafka: FakeKafka, storage: Storage,
) -> None:
    """Break: keep the witness of a changed partition (no `_forget`) -> fails (reads it again on each batch)."""
    projecting(kafka, storage, FakePeek(kafka))
    produce(kafka, *[f"Old{n}" for n in range(3)])
    await kafka.drain()
    kafka.recreate()
    for n in range(6):  # none of them is this consumer's business
        kafka.produce(TOPIC, b"{}", headers=(("event_type", b"SomethingElse"),))
    with structlog.testing.capture_logs() as logs:
        rounds = await kafka.drain()
    assert len(warnings(logs)) == 1 and rounds <= 2
    with storage.transaction() as session:
        assert session.execute(sa.select(consumer_last_applied)).all() == []


async def test_commands_on_a_recreated_topic_apply_every_new_event_once(
    kafka: FakeKafka, storage: Storage, marks: Marks,
) -> None:
    """Break: no `remember` after the commands' effects -> fails (New0..New3 skipped)."""
    commanding(kafka, storage, marks, FakePeek(kafka))
    produce(kafka, *[f"Old{n}" for n in range(4)])
    await kafka.drain()
    kafka.recreate()
    produce(kafka, *[f"New{n}" for n in range(7)])
    await kafka.drain()
    assert marks.mark_names() == sorted([f"New{n}" for n in range(7)] + [f"Old{n}" for n in range(4)])
    assert kafka.dead_letters() == []
