"""The idempotent consumer on a fake broker: redelivery, dead letters, offsets going backwards.

Each test names the deliberate break it was seen to catch.
"""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
import sqlalchemy.exc
import structlog
from eventsourcing.persistence import OperationalError
from platform_fakes import TOPIC, FakeKafka, Marks, applied, names, registered

from ecovid_platform.consumer import Commands, IdempotentConsumer, Projects, combined
from ecovid_platform.storage import Storage
from ecovid_platform.tables import consumer_offsets

DATABASE_DOWN = sqlalchemy.exc.OperationalError("INSERT", {}, ConnectionRefusedError("database down"))


class Projection:
    """A read model that can fail: `failures` are raised (once each) before applying."""

    def __init__(self) -> None:
        self.failures: list[BaseException] = []
        self.failures_of: dict[str, list[BaseException]] = {}  # by last name
        self.calls = 0

    def apply(self, session: sa.orm.Session, event) -> None:  # type: ignore[no-untyped-def]
        self.calls += 1
        own = self.failures_of.get(event.payload.last_name)
        if self.failures or own:
            raise (self.failures or own).pop(0)  # type: ignore[union-attr]
        if event.payload.last_name == "Failing":
            raise RuntimeError("this handler always fails on Failing")
        session.execute(applied.insert().values(event_id=str(event.event_id), name=event.payload.last_name))


def projecting(kafka: FakeKafka, storage: Storage, projection: Projection, **options) -> IdempotentConsumer:  # type: ignore[no-untyped-def]
    consumer = IdempotentConsumer(
        name="platform-test.read-model", topics=[TOPIC], storage=storage,
        handlers={"PatientRegistered": Projects(projection.apply)}, max_attempts=3, retry_delay=0, **options,
    )
    consumer.subscribe(kafka)  # type: ignore[arg-type]
    return consumer


def commanding(kafka: FakeKafka, storage: Storage, marks: Marks, **options) -> IdempotentConsumer:  # type: ignore[no-untyped-def]
    consumer = IdempotentConsumer(
        name="platform-test.marks", topics=[TOPIC], storage=storage, app=marks,
        handlers={"PatientRegistered": Commands(marks.mark_for)}, max_attempts=3, retry_delay=0, **options,
    )
    consumer.subscribe(kafka)  # type: ignore[arg-type]
    return consumer


async def test_subscribes_with_manual_acknowledgement_in_batches(kafka: FakeKafka, storage: Storage) -> None:
    projecting(kafka, storage, Projection())
    assert kafka.subscribed == (TOPIC,)
    assert kafka.options["batch"] is True and kafka.options["group_id"] == "platform-test.read-model"
    assert str(kafka.options["ack_policy"].value) == "manual"


async def test_each_event_is_applied_once_and_the_batch_acknowledged_after(kafka: FakeKafka, storage: Storage) -> None:
    projecting(kafka, storage, Projection())
    for name in ("A", "B", "C"):
        kafka.produce_event(registered(name))
    message = await kafka.deliver()
    assert message is not None and message.acked
    assert names(storage) == ["A", "B", "C"]
    assert kafka.committed == {(TOPIC, 0): 3}


async def test_a_duplicate_at_another_offset_has_no_second_effect(kafka: FakeKafka, storage: Storage) -> None:
    """Break: apply every delivery without the inbox check (`seen` always empty) -> fails."""
    projecting(kafka, storage, Projection())
    first = registered("Once")
    kafka.produce_event(first)
    kafka.produce_event(first)  # same batch
    await kafka.drain()
    kafka.produce_event(first)  # a later batch: a re-published copy
    await kafka.drain()
    assert names(storage) == ["Once"]
    assert kafka.dead_letters() == []


async def test_a_transient_failure_is_redelivered_never_dead_lettered(kafka: FakeKafka, storage: Storage) -> None:
    """Break: acknowledge after a transient failure instead of rewinding -> fails (event lost)."""
    projection = Projection()
    projection.failures = [DATABASE_DOWN] * 4  # longer than max_attempts
    projecting(kafka, storage, projection)
    kafka.produce_event(registered("Patient"))
    first = await kafka.deliver()
    assert first is not None and not first.acked
    await kafka.drain()
    assert names(storage) == ["Patient"]
    assert kafka.dead_letters() == []
    assert kafka.committed == {(TOPIC, 0): 1}


async def test_a_transient_failure_during_the_one_by_one_replay_never_dead_letters(
    kafka: FakeKafka, storage: Storage,
) -> None:
    """A bad message fails the batch; while it is replayed alone, the database goes down.

    Break: count the transient failure toward the attempts in `_apply_alone`, as before
    (consumer.py:174-180 of issue 14) -> fails: the good message is dead-lettered.
    """
    projection = Projection()
    projecting(kafka, storage, projection)
    kafka.produce_event(registered("Failing"))
    kafka.produce_event(registered("Good"))
    # "Failing" fails the batch first; "Good" first runs alone, when the database is down.
    projection.failures_of["Good"] = [DATABASE_DOWN] * 3
    await kafka.drain()
    assert names(storage) == ["Good"]
    parked = kafka.dead_letters()
    assert [p["dlt.reason"] for p in parked] == ["RuntimeError: this handler always fails on Failing"]
    assert parked[0]["dlt.offset"] == "0" and parked[0]["dlt.attempts"] == "3"


async def test_a_bad_message_is_dead_lettered_after_the_bounded_attempts_and_the_rest_flows(
    kafka: FakeKafka, storage: Storage,
) -> None:
    projection = Projection()
    projecting(kafka, storage, projection)
    bad = registered("Failing")
    for event in (registered("Before"), bad, registered("After")):
        kafka.produce_event(event)
    message = await kafka.deliver()
    assert message is not None and message.acked
    assert names(storage) == ["After", "Before"]
    (parked,) = kafka.dead_letters()
    assert parked["dlt.reason"] == "RuntimeError: this handler always fails on Failing"
    assert parked["dlt.attempts"] == "3" and parked["dlt.offset"] == "1" and parked["dlt.topic"] == TOPIC
    assert parked["dlt.consumer"] == "platform-test.read-model"
    assert json.loads(parked["value"])["event_id"] == str(bad.event_id)


async def test_invalid_and_unknown_version_messages_are_dead_lettered_with_a_clear_reason(
    kafka: FakeKafka, storage: Storage,
) -> None:
    projecting(kafka, storage, Projection())
    kafka.produce(TOPIC, b"not json")
    future = json.loads(registered("Future").to_bytes()) | {"schema_version": 2}
    kafka.produce(TOPIC, json.dumps(future).encode())
    kafka.produce(TOPIC, b"{}", headers=(("event_type", b"SomebodyElses"),))  # not ours: skipped
    kafka.produce_event(registered("Fine"))
    await kafka.drain()
    reasons = [p["dlt.reason"] for p in kafka.dead_letters()]
    assert reasons[0].startswith("invalid event: ") and "JSON" in reasons[0]
    assert reasons[1] == "unknown schema version 2 of PatientRegistered (this consumer reads version 1)"
    assert len(reasons) == 2
    assert names(storage) == ["Fine"]


async def test_an_exception_escaping_the_batch_rewinds_instead_of_losing_the_batch(
    kafka: FakeKafka, storage: Storage,
) -> None:
    """faststream 0.7.8 under AckPolicy.MANUAL swallows what escapes, with no ack and no rewind.

    Break: let the exception escape `on_batch` (no catch-all) -> fails: the message
    stays behind the consumer's position and the next commit passes over it.
    """
    projecting(kafka, storage, Projection())
    kafka.produce(TOPIC, b"not json")  # to be dead-lettered: the broker fails that publish
    kafka.produce_event(registered("Kept"))
    kafka.publish_fails = 1
    await kafka.deliver()
    kafka.produce_event(registered("Later"))
    await kafka.drain()
    assert kafka.swallowed == []
    assert names(storage) == ["Kept", "Later"]
    assert len(kafka.dead_letters()) == 1


async def test_a_failed_commit_redelivers_with_no_second_effect(kafka: FakeKafka, storage: Storage) -> None:
    projecting(kafka, storage, Projection())
    kafka.produce_event(registered("Committed"))
    kafka.ack_fails = 1
    await kafka.drain()
    assert names(storage) == ["Committed"]
    assert kafka.committed == {(TOPIC, 0): 1}


async def test_a_read_model_consumer_survives_a_broker_that_restarted_empty(
    kafka: FakeKafka, storage: Storage,
) -> None:
    """Break: skip deliveries at or below the recorded offset in the Inbox -> fails."""
    projecting(kafka, storage, Projection())
    old = [registered(f"Old{n}") for n in range(3)]
    for event in old:
        kafka.produce_event(event)
    await kafka.drain()
    kafka.restart_empty()
    with structlog.testing.capture_logs() as logs:
        kafka.produce_event(registered("New"))  # offset 0 again
        await kafka.drain()
    assert names(storage) == ["New", "Old0", "Old1", "Old2"]
    (warning,) = [entry for entry in logs if entry["log_level"] == "warning"]
    assert warning["recorded_position"] == 2 and warning["offset_seen"] == 0 and warning["partition"] == 0
    assert warning["consumer"] == "platform-test.read-model" and warning["topic"] == TOPIC
    # The recorded offset follows the new numbering; a re-published copy of everything changes nothing.
    for event in old:
        kafka.produce_event(event)
    await kafka.drain()
    assert names(storage) == ["New", "Old0", "Old1", "Old2"]
    assert _recorded_offsets(storage) == {(TOPIC, 0): 3}


async def test_a_redelivered_batch_neither_warns_nor_moves_the_offset_back(kafka: FakeKafka, storage: Storage) -> None:
    projecting(kafka, storage, Projection())
    for name in ("A", "B", "C"):
        kafka.produce_event(registered(name))
    kafka.ack_fails = 1  # committed here, not on the broker
    await kafka.deliver()
    kafka.crash_consumer()
    kafka.seek(_partition(), 1)  # a successor that resumes in the middle of the last batch
    with structlog.testing.capture_logs() as logs:
        await kafka.drain()
    assert [e for e in logs if e["log_level"] == "warning"] == []
    assert _recorded_offsets(storage) == {(TOPIC, 0): 2}
    assert names(storage) == ["A", "B", "C"]


async def test_combined_read_models_apply_in_one_transaction(kafka: FakeKafka, storage: Storage) -> None:
    first, second = Projection(), Projection()
    consumer = IdempotentConsumer(
        name="platform-test.both", topics=[TOPIC], storage=storage, max_attempts=3, retry_delay=0,
        handlers=combined({"PatientRegistered": Projects(first.apply)}, {"PatientRegistered": Projects(second.apply)}),
    )
    consumer.subscribe(kafka)  # type: ignore[arg-type]
    kafka.produce_event(registered("One"))
    kafka.produce_event(registered("Two"))
    await kafka.drain()
    assert names(storage) == ["One", "One", "Two", "Two"]
    assert (first.calls, second.calls) == (2, 2)


# Commands: event-sourced effects saved with the consumer's tracking position.

async def test_commands_apply_each_event_once_and_record_the_position(
    kafka: FakeKafka, storage: Storage, marks: Marks,
) -> None:
    consumer = commanding(kafka, storage, marks)
    same = registered("Twice")
    for event in (registered("One"), same, same):
        kafka.produce_event(event)
    with structlog.testing.capture_logs() as logs:
        await kafka.drain()
    assert marks.mark_names() == ["One", "Twice"]
    assert [e for e in logs if e["log_level"] in ("warning", "error")] == []
    assert marks.process_recorder.max_tracking_id(consumer._commands.position_name(TOPIC, 0)) == 2  # type: ignore[union-attr]


async def test_commands_survive_a_broker_that_restarted_empty(kafka: FakeKafka, storage: Storage, marks: Marks) -> None:
    """The bug of issue 8: alerts at or below the old offset were skipped after a restart.

    Break: skip deliveries at or below the recorded offset in TrackedCommands, as before -> fails.
    Break: no new epoch when the offsets went backwards (`_next_epoch` not called) -> fails.
    """
    consumer = commanding(kafka, storage, marks)
    old = [registered(f"Old{n}") for n in range(4)]
    for event in old:
        kafka.produce_event(event)
    await kafka.drain()
    kafka.restart_empty()
    with structlog.testing.capture_logs() as logs:
        kafka.produce_event(registered("New0"))
        await kafka.drain()
        kafka.produce_event(registered("New1"))
        await kafka.drain()
    assert marks.mark_names() == ["New0", "New1", "Old0", "Old1", "Old2", "Old3"]
    assert kafka.dead_letters() == []
    (warning,) = [e for e in logs if e["log_level"] == "warning"]
    assert (warning["recorded_position"], warning["offset_seen"], warning["new_epoch"]) == (3, 0, 1)
    commands = consumer._commands
    assert commands is not None
    assert commands.position_name(TOPIC, 0).endswith("@1")
    assert marks.process_recorder.max_tracking_id(commands.position_name(TOPIC, 0)) == 1
    # Everything re-published into the new broker: no second effect, no warning.
    with structlog.testing.capture_logs() as logs:
        for event in old:
            kafka.produce_event(event)
        await kafka.drain()
    assert marks.mark_names() == ["New0", "New1", "Old0", "Old1", "Old2", "Old3"]
    assert [e for e in logs if e["log_level"] == "warning"] == []
    assert marks.process_recorder.max_tracking_id(commands.position_name(TOPIC, 0)) == 5


async def test_commands_after_a_restart_keep_the_epoch(kafka: FakeKafka, storage: Storage, marks: Marks) -> None:
    commanding(kafka, storage, marks)
    for n in range(3):
        kafka.produce_event(registered(f"Old{n}"))
    await kafka.drain()
    kafka.restart_empty()
    kafka.produce_event(registered("New"))
    await kafka.drain()
    successor = commanding(kafka, storage, marks)  # a new process: the epoch is read back
    kafka.produce_event(registered("Newer"))
    await kafka.drain()
    assert successor._commands is not None and successor._commands.position_name(TOPIC, 0).endswith("@1")
    assert marks.mark_names() == ["New", "Newer", "Old0", "Old1", "Old2"]


async def test_a_broker_replaying_everything_from_zero_moves_to_a_new_epoch(
    kafka: FakeKafka, storage: Storage, marks: Marks,
) -> None:
    """Offsets far below the position (more than one batch), every event already applied."""
    consumer = commanding(kafka, storage, marks, batch_size=2)
    events = [registered(f"E{n}") for n in range(6)]
    for event in events:
        kafka.produce_event(event)
    await kafka.drain(max_records=2)
    kafka.restart_empty()
    with structlog.testing.capture_logs() as logs:
        for event in events:
            kafka.produce_event(event)
        await kafka.drain(max_records=2)
    assert len(marks.mark_names()) == 6
    assert [e["offset_seen"] for e in logs if e["log_level"] == "warning"] == [0]
    assert consumer._commands is not None
    assert marks.process_recorder.max_tracking_id(consumer._commands.position_name(TOPIC, 0)) == 5


async def test_commands_redelivered_below_the_position_have_no_second_effect(
    kafka: FakeKafka, storage: Storage, marks: Marks,
) -> None:
    """A SIGKILL between the commit and the acknowledgement: the batch comes again.

    Break: save with tracking even at or below the position -> fails (eventsourcing's
    IntegrityError: "must be greater")."""
    commanding(kafka, storage, marks)
    for n in range(3):
        kafka.produce_event(registered(f"M{n}"))
    kafka.ack_fails = 1
    await kafka.deliver()
    kafka.crash_consumer()
    with structlog.testing.capture_logs() as logs:
        await kafka.drain()
    assert marks.mark_names() == ["M0", "M1", "M2"]
    assert [e for e in logs if e["log_level"] == "warning"] == []


async def test_a_conflict_on_save_is_retried(kafka: FakeKafka, storage: Storage, marks: Marks) -> None:
    """Another writer saves the same mark between the handler's look and the save.

    Break: raise at the first IntegrityError in TrackedCommands (no retry) -> fails
    (the batch goes to the one-by-one replay: 'consumer failed' logged)."""
    commanding(kafka, storage, marks)
    other = Marks(env=storage.eventsourcing_env())

    def concurrent_writer(event) -> None:  # type: ignore[no-untyped-def]
        from platform_fakes import Mark

        other.save(Mark(source_event_id=event.event_id, name=event.payload.last_name))

    marks.before_save = concurrent_writer
    kafka.produce_event(registered("Raced"))
    with structlog.testing.capture_logs() as logs:
        await kafka.drain()
    other.close()
    assert marks.mark_names() == ["Raced"]
    assert marks.calls == ["Raced", "Raced"]
    assert [e for e in logs if e["log_level"] in ("warning", "error")] == []


async def test_commands_transient_failure_is_redelivered_never_dead_lettered(
    kafka: FakeKafka, storage: Storage, marks: Marks,
) -> None:
    commanding(kafka, storage, marks)
    marks.failures = [OperationalError("database down")] * 5
    kafka.produce_event(registered("Patient"))
    await kafka.drain()
    assert marks.mark_names() == ["Patient"]
    assert kafka.dead_letters() == []


async def test_commands_bad_message_is_dead_lettered_and_the_rest_flows(
    kafka: FakeKafka, storage: Storage, marks: Marks,
) -> None:
    commanding(kafka, storage, marks)
    for name in ("Before", "Failing", "After"):
        kafka.produce_event(registered(name))
    await kafka.drain()
    assert marks.mark_names() == ["After", "Before"]
    assert [p["dlt.reason"] for p in kafka.dead_letters()] == ["RuntimeError: this handler always fails on Failing"]


async def test_a_commands_handler_needs_the_application(kafka: FakeKafka, storage: Storage) -> None:
    consumer = IdempotentConsumer(name="x", topics=[TOPIC], storage=storage, max_attempts=1, retry_delay=0,
                                  handlers={"PatientRegistered": Commands(lambda event: [])})
    consumer.subscribe(kafka)  # type: ignore[arg-type]
    kafka.produce_event(registered("Lonely"))
    await kafka.drain()
    assert [p["dlt.reason"] for p in kafka.dead_letters()] == [
        "AssertionError: a Commands handler needs the service application"
    ]


def _recorded_offsets(storage: Storage) -> dict[tuple[str, int], int]:
    with storage.transaction() as session:
        rows = session.execute(sa.select(consumer_offsets.c.topic, consumer_offsets.c.partition,
                                         consumer_offsets.c.offset))
        return {(t, p): o for t, p, o in rows}


def _partition():  # type: ignore[no-untyped-def]
    from aiokafka import TopicPartition

    return TopicPartition(TOPIC, 0)


async def test_a_rewind_refused_by_the_consumer_is_logged_not_raised(kafka: FakeKafka, storage: Storage) -> None:
    """The partition went to another member meanwhile: its new owner starts from the last commit."""
    projection = Projection()
    projection.failures = [DATABASE_DOWN]
    projecting(kafka, storage, projection)
    kafka.produce_event(registered("Moved"))

    def revoked(where, offset) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("partition not assigned")

    kafka.seek = revoked  # type: ignore[method-assign]
    with structlog.testing.capture_logs() as logs:
        message = await kafka.deliver()
    assert message is not None and not message.acked and kafka.swallowed == []
    assert [e["event"] for e in logs if e["log_level"] == "warning"][-1] == "consumer could not rewind"


async def test_other_event_types_are_skipped_and_a_short_batch_lingers(kafka: FakeKafka, storage: Storage) -> None:
    from ecovid_events.dossier import PatientIdentityUpdated

    projecting(kafka, storage, Projection(), linger_ms=1)
    mine = registered("Mine")
    fields = json.loads(mine.to_bytes()) | {"event_type": "PatientIdentityUpdated", "event_id": str(uuid.uuid4())}
    fields["payload"].pop("registered_by", None)
    other = PatientIdentityUpdated.model_validate(fields)
    kafka.produce(TOPIC, other.to_bytes())  # no event_type header: read, then skipped
    kafka.produce(TOPIC, json.dumps({"event_type": "PatientRegistered", "schema_version": 1}).encode())
    kafka.produce(TOPIC, json.dumps({"event_type": "Unheard", "schema_version": 9}).encode())
    kafka.produce_event(mine)
    await kafka.drain()
    assert names(storage) == ["Mine"]
    reasons = [p["dlt.reason"] for p in kafka.dead_letters()]
    assert len(reasons) == 2 and all(r.startswith("invalid event: ") for r in reasons)


async def test_one_read_model_alone_and_events_one_by_one_through_combined(kafka: FakeKafka, storage: Storage) -> None:
    alone, first, second = Projection(), Projection(), Projection()
    handlers = combined({"PatientRegistered": Projects(alone.apply)})
    assert handlers["PatientRegistered"].apply == alone.apply
    both = combined({"PatientRegistered": Projects(first.apply)}, {"PatientRegistered": Projects(second.apply)})
    with storage.transaction() as session:
        both["PatientRegistered"].apply(session, registered("Single"))
    assert names(storage) == ["Single", "Single"]


async def test_a_decode_reads_records_that_are_no_integration_events_and_dead_letters_its_refusals(
    kafka: FakeKafka, storage: Storage, marks: Marks,
) -> None:
    """A hospital's messages: `decode` turns a record into the event its handler takes, or refuses it
    with the reason that goes to the dead-letter topic. Break: decode ignored (parse_event used) ->
    the plain names are dead-lettered as invalid events, fails."""
    from ecovid_events import InvalidEvent

    def decode(record):  # type: ignore[no-untyped-def]
        if record.value == b"bad":
            raise InvalidEvent("field: not a name")
        return registered(record.value.decode())

    consumer = IdempotentConsumer(
        name="platform-test.decoded", topics=[TOPIC], storage=storage, app=marks,
        handlers={"PatientRegistered": Commands(marks.mark_for)}, max_attempts=3, retry_delay=0, decode=decode,
    )
    consumer.subscribe(kafka)  # type: ignore[arg-type]
    for value in (b"Plain", b"bad", b"Text"):
        kafka.produce(TOPIC, value)
    await kafka.drain()
    assert marks.mark_names() == ["Plain", "Text"]
    assert [p["dlt.reason"] for p in kafka.dead_letters()] == ["field: not a name"]
