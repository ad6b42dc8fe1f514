"""Idempotent Kafka consumers with bounded retries and a dead-letter topic.

Messages come in batches, from one or several topics. Read-model handlers apply a
whole batch in one database transaction that also records the inbox (event ids)
and the offsets; event-sourced handlers save a partition's share of the batch with
one tracking position, in one transaction. The batch is acknowledged only after
that. A batch that fails is replayed one message at a time: a message that keeps
failing goes to `<topic>.dlt` with the reason, and the rest flow on.
Infrastructure failures (database or broker down), in the batch or in that replay,
never dead-letter: what is left of the batch is redelivered after a pause.
Effects are idempotent by event id, never by offset (see `Inbox`, `TrackedCommands`), and
a partition re-created under the consumer (new numbering, old offsets kept) is read again
from the beginning rather than resumed at the old offset (see `identity`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, get_args

import orjson
import structlog
from aiokafka import ConsumerRebalanceListener, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage

from ecovid_events import IntegrationEvent, InvalidEvent, parse_event, topics
from ecovid_events.registry import EVENT_TYPES
from ecovid_platform.application import ServiceApplication
from ecovid_platform.failures import is_transient
from ecovid_platform.identity import CannotTell, RecordPeek, TopicIdentity
from ecovid_platform.inbox import Inbox
from ecovid_platform.storage import Storage
from ecovid_platform.tracking import TrackedCommands

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Projects:
    """Applies an event to read models inside the given SQLAlchemy session.

    `apply_many`, when given, applies a run of consecutive events at once (same effect
    as `apply` on each in turn, in fewer statements).
    """

    apply: Callable[[Any, Any], None]
    apply_many: Callable[[Any, list[Any]], None] | None = None

    def apply_all(self, session: Any, events: list[Any]) -> None:
        if self.apply_many is not None and len(events) > 1:
            return self.apply_many(session, events)
        for event in events:
            self.apply(session, event)


@dataclass(frozen=True)
class Commands:
    """Turns an event into aggregates with new events, saved with the consumer's tracking.

    The handler must be idempotent by construction (look before creating), so a
    conflict on save can only mean a concurrent writer, or the same event twice in
    one batch: the batch is retried, then replayed message by message.
    """

    apply: Callable[[Any], Sequence[Any]]


Handler = Projects | Commands


def combined(*handlers: dict[str, Projects]) -> dict[str, Projects]:
    """Several read models fed by one consumer: each event type applies to all that want it,
    in one transaction."""
    wanted: dict[str, list[Projects]] = {}
    for by_type in handlers:
        for event_type, projection in by_type.items():
            wanted.setdefault(event_type, []).append(projection)
    return {event_type: _in_turn(projections) for event_type, projections in wanted.items()}


def _in_turn(projections: list[Projects]) -> Projects:
    if len(projections) == 1:
        return projections[0]

    def apply(session: Any, event: Any) -> None:
        for projection in projections:
            projection.apply(session, event)

    def apply_many(session: Any, events: list[Any]) -> None:
        for projection in projections:
            projection.apply_all(session, events)

    return Projects(apply, apply_many)


@dataclass(frozen=True)
class Delivery:
    topic: str
    partition: int
    offset: int
    record: Any
    event: IntegrationEvent | Any | None = None


class IdempotentConsumer:
    # Longest pause while the infrastructure fails: retried for ever, but never in a tight loop.
    MAX_PAUSE_SECONDS = 5.0

    def __init__(
        self, *, name: str, topics: Sequence[str], handlers: dict[str, Handler], storage: Storage,
        app: ServiceApplication | None = None, max_attempts: int = 5, retry_delay: float = 0.2,
        batch_size: int = 500, fetch_max_wait_ms: int = 25, linger_ms: int = 0, peek: RecordPeek | None = None,
        decode: Callable[[Any], Any] | None = None,
    ) -> None:
        self.name, self.topics, self.handlers, self.storage = name, tuple(topics), handlers, storage
        # Messages from outside the platform (a hospital's) are not integration events: `decode`
        # turns a record into an object with event_id, event_type, correlation_id and patient_id,
        # or raises InvalidEvent with the reason that goes to the dead-letter topic.
        self.decode = decode
        # Without a peek (some tests), a re-created topic goes unnoticed: see `identity`.
        self.identity, self.peek = TopicIdentity(name, storage, peek), peek
        # A redelivery replays at most one batch: offsets further back went backwards.
        self.app, self.inbox = app, Inbox(name, storage, redelivery_window=batch_size, identity=self.identity)
        self.max_attempts, self.retry_delay, self.batch_size = max_attempts, retry_delay, batch_size
        self.fetch_max_wait_ms, self.linger_seconds = fetch_max_wait_ms, linger_ms / 1000
        self.broker: KafkaBroker | None = None
        self._commands = (
            TrackedCommands(name, app, max_attempts, redelivery_window=batch_size) if app is not None else None
        )
        self._failing_in_a_row = 0

    def subscribe(self, broker: KafkaBroker) -> None:
        self.broker = broker
        subscriber = broker.subscriber(
            *self.topics, group_id=self.name, batch=True, max_records=self.batch_size,
            fetch_max_wait_ms=self.fetch_max_wait_ms, batch_timeout_ms=self.fetch_max_wait_ms,
            ack_policy=AckPolicy.MANUAL, auto_offset_reset="earliest", decoder=_no_body,
            listener=_Assigned(self, subscriber=lambda: subscriber),
        )
        subscriber(self.on_batch)

    async def on_assigned(self, consumer: Any, partitions: Sequence[TopicPartition]) -> None:
        """Partitions re-created since this consumer last read them start again from the
        beginning: its position (committed, or above the end of a shorter new topic) belongs
        to the old numbering. Never fails the rebalance: a partition it cannot check now is
        checked before any batch reads on past its last applied record."""
        try:
            for tp in await self.identity.changed(partitions):
                _from_the_beginning(consumer, tp)
        except Exception as error:  # noqa: BLE001 - see the docstring
            log.warning("consumer could not check its partitions on assignment", consumer=self.name,
                        error=repr(error))

    async def close(self) -> None:
        if self.peek is not None and hasattr(self.peek, "close"):
            await self.peek.close()

    async def on_batch(self, body: Any, msg: KafkaMessage) -> None:
        """Acknowledge the batch once its effects are committed, or rewind to redeliver it.

        Under AckPolicy.MANUAL, faststream 0.7.8 installs no acknowledgement middleware:
        an exception that escapes this handler is swallowed (`SubscriberUsecase.consume`)
        with neither ack nor nack. The consumer's position has already moved past the
        batch, so the next batch's commit would have committed over it: lost. Hence
        nothing escapes: whatever fails here pauses and rewinds.
        """
        records = msg.raw_message if isinstance(msg.raw_message, tuple) else (msg.raw_message,)
        try:
            await self._consume(records, msg)
        except Exception as error:  # noqa: BLE001 - see the docstring: nothing may escape
            log.error("consumer failed unexpectedly: batch redelivered", consumer=self.name, error=repr(error))
            await self._pause_then_rewind(msg, records)

    async def _consume(self, records: tuple[Any, ...], msg: KafkaMessage) -> None:
        started = time.perf_counter()
        starts: dict[TopicPartition, int] = {}
        for record in records:
            where = TopicPartition(record.topic, record.partition)
            starts[where] = min(starts.get(where, record.offset), record.offset)
        try:
            changed = await self.identity.changed(starts, starts)
        except CannotTell as error:
            # Applying on could bury the evidence under a new last-applied record.
            log.warning("consumer paused: cannot check its partitions", consumer=self.name, error=str(error))
            return await self._pause_then_rewind(msg, records)
        if changed:
            for where in changed:
                _from_the_beginning(msg.consumer, where)
            records = tuple(r for r in records if TopicPartition(r.topic, r.partition) not in changed)
        wanted = [d for d in [await self._read(r) for r in records] if d is not None]
        try:
            if wanted:
                await asyncio.to_thread(self._apply, wanted)
        except Exception as error:  # noqa: BLE001 - classified just below
            if is_transient(error):
                log.warning("consumer paused: infrastructure failing", consumer=self.name, error=repr(error))
                return await self._pause_then_rewind(msg, [d.record for d in wanted])
            log.warning("batch failed: replayed one message at a time", consumer=self.name, error=repr(error))
            for done, delivery in enumerate(wanted):
                if not await self._apply_alone(delivery):
                    # The infrastructure failed under this message, not the message: what is
                    # left of the batch comes again after a pause; nothing is dead-lettered.
                    return await self._pause_then_rewind(msg, [d.record for d in wanted[done:]])
        self._failing_in_a_row = 0
        await msg.ack()
        log.info("events consumed", consumer=self.name, received=len(records), applied=len(wanted),
                 ms=round((time.perf_counter() - started) * 1000, 1))
        if self.linger_seconds and len(records) < self.batch_size:
            # The next batch is fetched after this: what arrives meanwhile comes in one go.
            await asyncio.sleep(self.linger_seconds)

    async def _read(self, record: Any) -> Delivery | None:
        """The event if this consumer handles it; None to skip it (or once it is dead-lettered)."""
        where = Delivery(record.topic, record.partition, record.offset, record)
        if self.decode is not None:
            try:
                decoded = self.decode(record)
            except InvalidEvent as error:
                await self._dead_letter(where, str(error), attempts=1)
                return None
            return Delivery(where.topic, where.partition, where.offset, record, decoded)
        labelled = dict(record.headers or ()).get("event_type")
        if labelled is not None and labelled.decode(errors="replace") not in self.handlers:
            return None  # not this consumer's business: whoever handles it validates it
        try:
            event = parse_event(record.value or b"")
        except InvalidEvent as error:
            await self._dead_letter(where, _unknown_version(record.value) or f"invalid event: {error}", attempts=1)
            return None
        if event.event_type not in self.handlers:
            return None
        return Delivery(where.topic, where.partition, where.offset, record, event)

    def _apply(self, batch: list[Delivery]) -> None:
        """One transaction for the read models' share, one per partition for the commands' share."""
        projected = [d for d in batch if isinstance(self._handler(d), Projects)]
        commanded = [d for d in batch if isinstance(self._handler(d), Commands)]
        if projected:
            self.inbox.project(projected, self.handlers)
        if commanded:
            assert self._commands is not None, "a Commands handler needs the service application"
            self._commands.apply(commanded, self.handlers)
            # After the effects, in a transaction of its own: the effects are saved through the
            # event store. A witness older than the effects is still a record that was read.
            with self.storage.transaction() as session:
                self.identity.remember(session, commanded)

    def _handler(self, delivery: Delivery) -> Handler:
        assert delivery.event is not None
        return self.handlers[delivery.event.event_type]

    async def _apply_alone(self, delivery: Delivery) -> bool:
        """Applied, or dead-lettered after the bounded attempts; False if the infrastructure failed."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                await asyncio.to_thread(self._apply, [delivery])
                return True
            except Exception as error:  # noqa: BLE001 - counted toward the bound unless transient
                if is_transient(error):
                    log.warning("consumer paused: infrastructure failing", consumer=self.name, error=repr(error))
                    return False
                log.warning("consumer failed", consumer=self.name, attempt=attempt, error=repr(error))
                if attempt == self.max_attempts:
                    await self._dead_letter(delivery, f"{type(error).__name__}: {error}", attempt)
                    return True
                await asyncio.sleep(self.retry_delay * attempt)
        raise AssertionError("unreachable")

    async def _pause_then_rewind(self, msg: KafkaMessage, pending: Sequence[Any]) -> None:
        """Redeliver from the earliest pending record of each partition, after a pause that
        grows while the failures last (bounded)."""
        self._failing_in_a_row += 1
        pause = min(self.retry_delay * 10 * 2 ** (self._failing_in_a_row - 1), self.MAX_PAUSE_SECONDS)
        await asyncio.sleep(pause)
        earliest: dict[TopicPartition, int] = {}
        for record in pending:
            where = TopicPartition(record.topic, record.partition)
            earliest[where] = min(earliest.get(where, record.offset), record.offset)
        try:
            for where, offset in earliest.items():
                msg.consumer.seek(where, offset)
        except Exception as error:  # noqa: BLE001 - the partition went to another member
            # Revoked meanwhile: its new owner starts from the last commit, before this batch.
            log.warning("consumer could not rewind", consumer=self.name, error=repr(error))

    async def _dead_letter(self, where: Delivery, reason: str, attempts: int) -> None:
        assert self.broker is not None
        log.error("dead-lettered", consumer=self.name, reason=reason, attempts=attempts)
        await self.broker.publish(
            where.record.value, topics.dead_letter(where.topic), key=where.record.key,
            headers={
                "dlt.reason": reason[:1000], "dlt.consumer": self.name, "dlt.topic": where.topic,
                "dlt.partition": str(where.partition), "dlt.offset": str(where.offset),
                "dlt.attempts": str(attempts),
            },
        )


class _Assigned(ConsumerRebalanceListener):
    """Hands each new assignment to the consumer, with faststream's aiokafka consumer."""

    def __init__(self, consumer: IdempotentConsumer, subscriber: Callable[[], Any]) -> None:
        self.consumer, self.subscriber = consumer, subscriber

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        await self.consumer.on_assigned(self.subscriber().consumer, sorted(assigned))


def _from_the_beginning(consumer: Any, where: TopicPartition) -> None:
    # Offset 0 rather than an awaited seek_to_beginning (called from within the rebalance):
    # where the log starts later, the fetch is out of range and auto_offset_reset="earliest"
    # moves the position to its start.
    consumer.seek(where, 0)


def _unknown_version(value: bytes | None) -> str | None:
    """The reason for a known event type whose schema version this code does not know."""
    try:
        fields = orjson.loads(value or b"")
        event_type, version = fields["event_type"], fields["schema_version"]
    except (orjson.JSONDecodeError, TypeError, KeyError):
        return None
    known = _KNOWN_VERSIONS.get(event_type) if isinstance(event_type, str) else None
    if known is None or version in known:
        return None
    return (f"unknown schema version {version!r} of {event_type} "
            f"(this consumer reads version {', '.join(map(str, sorted(known)))})")


_KNOWN_VERSIONS: dict[str, tuple[int, ...]] = {
    get_args(model.model_fields["event_type"].annotation)[0]: get_args(model.model_fields["schema_version"].annotation)
    for model in EVENT_TYPES
}


async def _no_body(msg: Any) -> None:
    # Records are read from the raw batch: validation is ours, not the framework's.
    return None
