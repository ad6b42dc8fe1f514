"""The platform's idempotent consumer on the real broker: redelivery, retries, dead letters."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from faststream.kafka import KafkaBroker

from ecovid_events import Actor, topics
from ecovid_events.dossier import PatientRegistered, PatientRegisteredPayload
from ecovid_platform.consumer import IdempotentConsumer, Projects
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage

from ecovid_stack.broker import start_broker
from ecovid_stack.ports import free_port

from tests.integration.kafka_tools import read_all

effects = sa.MetaData()
applied = sa.Table("applied", effects, sa.Column("event_id", sa.String(36)), sa.Column("name", sa.String(50)))
TOPIC = "runtime-test.events"


def registered(last_name: str, event_id: uuid.UUID | None = None) -> PatientRegistered:
    return PatientRegistered(
        event_id=event_id or uuid.uuid4(), occurred_at=datetime.now(UTC), producer="test",
        patient_id=uuid.uuid4(), correlation_id="runtime-test", actor=Actor(kind="platform"),
        payload=PatientRegisteredPayload(last_name=last_name, first_name="Jean",
                                         birth_date=date(1970, 1, 1), sex="male", commune="Paris"),
    )


# Raised, once each, when a "Flaky" event is applied: the database going away for a while.
flaky_failures: list[BaseException] = []


def apply(session: sa.orm.Session, event: PatientRegistered) -> None:
    if event.payload.last_name == "Failing":
        raise RuntimeError("this handler always fails on Failing")
    if event.payload.last_name == "Flaky" and flaky_failures:
        raise flaky_failures.pop(0)
    session.execute(applied.insert().values(event_id=str(event.event_id), name=event.payload.last_name))


@pytest.fixture
def bootstrap(tmp_path: Path):
    port = free_port()
    broker = start_broker(port, tmp_path / "broker.log")
    yield f"127.0.0.1:{port}"
    broker.terminate()
    broker.wait(10)


async def test_redelivery_retries_and_dead_letter(bootstrap: str, tmp_path: Path) -> None:
    storage = Storage("runtime-test", ServiceSettings(data_dir=tmp_path))
    storage.create_tables(effects)
    consumer = IdempotentConsumer(
        name="runtime-test.consumer", topics=[TOPIC], storage=storage,
        handlers={"PatientRegistered": Projects(apply)}, max_attempts=3, retry_delay=0.01,
    )
    first = registered("Premier")
    messages = [first, first, registered("Failing"), registered("Dernier")]
    broker = KafkaBroker(bootstrap, logger=None)
    consumer.subscribe(broker)
    await broker.start()
    try:
        for event in messages:  # the same event twice: as a re-publishing relay would
            await broker.publish(event.to_bytes(), TOPIC, key=event.kafka_key())
        await _until(lambda: _names(storage) == ["Dernier", "Premier"])
    finally:
        await broker.stop()

    assert _names(storage) == ["Dernier", "Premier"]
    parked = await asyncio.to_thread(read_all, bootstrap, topics.dead_letter(TOPIC))
    assert len(parked) == 1
    headers = {k: v.decode() for k, v in parked[0].headers}
    assert headers["dlt.reason"] == "RuntimeError: this handler always fails on Failing"
    assert headers["dlt.attempts"] == "3"
    assert headers["dlt.topic"] == TOPIC and headers["dlt.offset"] == "2"
    assert parked[0].value == messages[2].to_bytes()


async def test_a_transient_failure_rewinds_on_the_real_broker_and_never_dead_letters(
    bootstrap: str, tmp_path: Path,
) -> None:
    """The rewind (`seek`) after a transient failure, on aiokafka and tansu rather than a fake:
    the failed message comes again, and so does every later one.

    Break: acknowledge after a transient failure instead of rewinding -> fails ("Flaky" lost).
    (A transient failure during the one-by-one replay: shared/platform/tests/test_consumer.py.)
    """
    storage = Storage("runtime-test", ServiceSettings(data_dir=tmp_path))
    storage.create_tables(effects)
    consumer = IdempotentConsumer(
        name="runtime-test.flaky", topics=[TOPIC], storage=storage,
        handlers={"PatientRegistered": Projects(apply)}, max_attempts=2, retry_delay=0.01,
    )
    down = sa.exc.OperationalError("INSERT", {}, ConnectionRefusedError("database down"))
    flaky_failures[:] = [down] * 5  # longer than the attempts
    broker = KafkaBroker(bootstrap, logger=None)
    consumer.subscribe(broker)
    await broker.start()
    try:
        for event in [registered("Avant"), registered("Flaky"), registered("Apres")]:
            await broker.publish(event.to_bytes(), TOPIC, key=b"same-partition")
        await _until(lambda: _names(storage) == ["Apres", "Avant", "Flaky"])
    finally:
        await broker.stop()
    assert flaky_failures == []
    parked = await asyncio.to_thread(read_all, bootstrap, topics.dead_letter(TOPIC), 500)
    assert parked == []


def _names(storage: Storage) -> list[str]:
    with storage.transaction() as session:
        return sorted(session.execute(sa.select(applied.c.name)).scalars())


async def _until(condition, timeout: float = 60) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(condition):
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)
