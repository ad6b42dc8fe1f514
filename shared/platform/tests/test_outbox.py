"""The outbox relay with a fake producer: order, same ids after a crash, an empty broker."""

from __future__ import annotations

import asyncio
import json
import uuid
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
import structlog
from platform_fakes import Mark, Marks, translate

from ecovid_platform import outbox
from ecovid_platform.outbox import OutboxRelay
from ecovid_platform.storage import Storage

TOPIC = "platform-test.events"


class FakeProducer:
    """Keeps what the broker acknowledged; `failures` fail the next acknowledgements."""

    instances: ClassVar[list[FakeProducer]] = []

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.client = SimpleNamespace(force_metadata_update=self._metadata)
        self.metadata_requests = 0
        self.sent: list[tuple[str, bytes, bytes | None, dict[str, bytes]]] = []
        self.failures = 0
        self.next_offset = 0  # one partition: the offset the broker gives the next record
        FakeProducer.instances.append(self)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, topic: str, value: bytes, *, key: bytes | None, headers: list[tuple[str, bytes]]):  # type: ignore[no-untyped-def]
        acknowledged: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.failures:
            self.failures -= 1
            acknowledged.set_exception(ConnectionError("broker gone before acknowledging"))
        else:
            self.sent.append((topic, value, key, dict(headers)))
            acknowledged.set_result(SimpleNamespace(partition=0, offset=self.next_offset))
            self.next_offset += 1
        return acknowledged

    async def _metadata(self) -> bool:
        self.metadata_requests += 1
        return True

    def restart_empty(self) -> None:
        """The broker behind this connection restarts with nothing: offsets start again at 0."""
        self.next_offset = 0

    def event_ids(self) -> list[str]:
        return [json.loads(value)["event_id"] for _, value, _, _ in self.sent]


def relay_for(marks: Marks, storage: Storage, ends: dict[int, int] | None = None, **options: Any) -> OutboxRelay:
    async def end_offsets() -> dict[int, int]:
        return ends if ends is not None else {0: 1}

    return OutboxRelay(name="platform-test.outbox", app=marks, storage=storage, translate=translate,
                       topic=TOPIC, bootstrap="unused:9092", end_offsets=end_offsets, **options)


def save_marks(marks: Marks, *names: str) -> None:
    for name in names:
        marks.save(Mark(source_event_id=uuid.uuid4(), name=name))


async def test_relays_in_order_with_ids_keys_and_headers_then_records_its_position(
    marks: Marks, storage: Storage,
) -> None:
    save_marks(marks, "A", "B", "C")
    relay, producer = relay_for(marks, storage, batch_size=2), FakeProducer()
    assert await relay.relay_once(producer) == 2  # type: ignore[arg-type]
    assert await relay.relay_once(producer) == 1  # type: ignore[arg-type]
    assert await relay.relay_once(producer) == 0  # type: ignore[arg-type]
    names = [json.loads(value)["payload"]["last_name"] for _, value, _, _ in producer.sent]
    assert names == ["A", "B", "C"]
    topic, _, key, headers = producer.sent[0]
    assert topic == TOPIC and key == str(uuid.UUID(int=7)).encode()
    assert headers["event_type"] == b"PatientRegistered" and headers["correlation_id"]
    assert relay_for(marks, storage)._position() == 3


async def test_a_crash_between_publish_and_record_republishes_with_the_same_event_ids(
    marks: Marks, storage: Storage, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Break: derive the event id from anything but the aggregate id and version
    (e.g. uuid4() in `integration.envelope`) -> fails."""
    save_marks(marks, "A", "B")
    crashed, producer = relay_for(marks, storage), FakeProducer()

    def crash(notification_id: int) -> None:
        raise OSError("process killed before the position was written")

    monkeypatch.setattr(crashed, "_record_position", crash)
    with pytest.raises(OSError):
        await crashed.relay_once(producer)  # type: ignore[arg-type]
    restarted = relay_for(marks, storage)
    await restarted.relay_once(producer)  # type: ignore[arg-type]
    ids = producer.event_ids()
    assert len(ids) == 4 and ids[:2] == ids[2:]


async def test_a_broker_that_did_not_acknowledge_gets_the_events_again(marks: Marks, storage: Storage) -> None:
    """Break: record the position before the broker acknowledged the sends -> fails (lost)."""
    save_marks(marks, "A", "B")
    relay, producer = relay_for(marks, storage), FakeProducer()
    producer.failures = 1
    with pytest.raises(ConnectionError):
        await relay.relay_once(producer)  # type: ignore[arg-type]
    await relay_for(marks, storage).relay_once(producer)  # type: ignore[arg-type]
    assert {json.loads(v)["payload"]["last_name"] for _, v, _, _ in producer.sent} == {"A", "B"}


@pytest.mark.parametrize(("ends", "position", "lost"), [
    ({0: 0, 1: 0}, 3, True),   # every partition empty: the broker restarted empty
    ({}, 3, True),             # topic missing
    ({0: 0, 1: 2}, 3, False),  # events there
    ({0: 0}, 0, False),        # nothing published yet
])
async def test_finds_a_broker_that_lost_its_events(
    marks: Marks, storage: Storage, ends: dict[int, int], position: int, lost: bool,
) -> None:
    relay = relay_for(marks, storage, ends=ends)
    relay._record_position(position)
    with structlog.testing.capture_logs() as logs:
        assert await relay.broker_lost_events() is lost
    warnings = [e for e in logs if e["log_level"] == "warning"]
    assert len(warnings) == (1 if lost else 0)
    if lost:
        assert warnings[0]["recorded_position"] == position and warnings[0]["topic"] == TOPIC


async def test_at_start_an_empty_broker_gets_the_whole_log_again_from_zero(
    marks: Marks, storage: Storage, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Break: drop the start-up check in `run` -> fails (nothing re-published)."""
    save_marks(marks, "A", "B", "C")
    first = FakeProducer()
    await relay_for(marks, storage).relay_once(first)  # type: ignore[arg-type]
    monkeypatch.setattr(outbox, "AIOKafkaProducer", FakeProducer)
    FakeProducer.instances.clear()
    relay = relay_for(marks, storage, ends={0: 0, 1: 0}, idle_poll_seconds=0.05)
    running = asyncio.create_task(relay.run())
    try:
        await _until(lambda: FakeProducer.instances and len(FakeProducer.instances[0].sent) >= 3)
        save_marks(marks, "D")  # woken by the save
        # Sent, then recorded: wait for the position, which moves once the broker acknowledged.
        await _until(lambda: relay._published_up_to == 4)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert FakeProducer.instances[0].event_ids()[:3] == first.event_ids()
    assert relay._position() == 4


async def test_at_start_a_broker_that_kept_its_events_gets_only_new_ones(
    marks: Marks, storage: Storage, monkeypatch: pytest.MonkeyPatch,
) -> None:
    save_marks(marks, "A")
    await relay_for(marks, storage).relay_once(FakeProducer())  # type: ignore[arg-type]
    save_marks(marks, "B")
    monkeypatch.setattr(outbox, "AIOKafkaProducer", FakeProducer)
    FakeProducer.instances.clear()
    running = asyncio.create_task(relay_for(marks, storage, ends={0: 1}).run())
    try:
        await _until(lambda: FakeProducer.instances and FakeProducer.instances[0].sent)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert len(FakeProducer.instances[0].sent) == 1


async def test_republish_all_sends_every_event_again_with_the_same_ids(
    marks: Marks, storage: Storage, monkeypatch: pytest.MonkeyPatch,
) -> None:
    save_marks(marks, "A", "B", "C")
    relay, producer = relay_for(marks, storage, batch_size=2), FakeProducer()
    await relay.relay_once(producer)  # type: ignore[arg-type]
    await relay.relay_once(producer)  # type: ignore[arg-type]
    again = FakeProducer()
    assert await relay.republish_all(again) == 3  # type: ignore[arg-type]
    assert again.event_ids() == producer.event_ids()
    monkeypatch.setattr(outbox, "AIOKafkaProducer", FakeProducer)
    FakeProducer.instances.clear()
    assert await relay_for(marks, storage).republish_all() == 3  # its own producer
    assert FakeProducer.instances[0].event_ids() == producer.event_ids()
    assert relay._position() == 3


async def test_offsets_that_go_back_while_running_mean_the_whole_log_again(marks: Marks, storage: Storage) -> None:
    """A broker restarted empty under a running relay, seen at the next send.

    Break: drop `_offsets_went_back` from `relay_once` -> fails (A and B never sent again).
    """
    save_marks(marks, "A", "B")
    relay, producer = relay_for(marks, storage), FakeProducer()
    await relay.relay_once(producer)  # type: ignore[arg-type]
    producer.restart_empty()
    save_marks(marks, "C")
    with structlog.testing.capture_logs() as logs:
        await relay.relay_once(producer)  # type: ignore[arg-type]  # C lands at offset 0: gone back
    assert any(e["event"].startswith("broker offsets went back") for e in logs)
    assert relay._position() == 0
    while await relay.relay_once(producer):  # type: ignore[arg-type]
        pass
    names = [json.loads(value)["payload"]["last_name"] for _, value, _, _ in producer.sent]
    assert names == ["A", "B", "C", "A", "B", "C"]
    assert relay._position() == 3


async def test_a_broker_away_is_waited_out_and_nothing_is_lost(
    marks: Marks, storage: Storage, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Break: let `run` raise on a connection error (as before) -> fails (the relay dies)."""
    from aiokafka.errors import KafkaConnectionError

    class Unreachable(FakeProducer):
        refusals = 2

        async def start(self) -> None:
            if Unreachable.refusals:
                Unreachable.refusals -= 1
                raise KafkaConnectionError("broker gone")

    save_marks(marks, "A")
    monkeypatch.setattr(outbox, "AIOKafkaProducer", Unreachable)
    monkeypatch.setattr(outbox, "_RETRY_FIRST_SECONDS", 0.01)
    FakeProducer.instances.clear()
    relay = relay_for(marks, storage, ends={0: 0})
    running = asyncio.create_task(relay.run())
    try:
        await _until(lambda: relay._published_up_to == 1)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert len(FakeProducer.instances) == 3
    assert [len(p.sent) for p in FakeProducer.instances] == [0, 0, 1]
    assert relay_for(marks, storage)._position() == 1


async def test_a_database_away_is_waited_out_but_a_defect_stops_the_relay(
    marks: Marks, storage: Storage, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Break: treat every exception as one to wait out -> fails (a defect would loop silently)."""
    from eventsourcing.persistence import OperationalError

    save_marks(marks, "A")
    select = marks.recorder.select_notifications
    failures = [OperationalError("server closed the connection"), ValueError("a defect")]

    def flaky(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop(0)
        return select(*args, **kwargs)

    monkeypatch.setattr(marks.recorder, "select_notifications", flaky)
    monkeypatch.setattr(outbox, "AIOKafkaProducer", FakeProducer)
    monkeypatch.setattr(outbox, "_RETRY_FIRST_SECONDS", 0.01)
    with pytest.raises(ValueError, match="a defect"):
        await asyncio.wait_for(relay_for(marks, storage).run(), timeout=10)


async def _until(condition, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)
