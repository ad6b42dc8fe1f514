"""Idempotent Kafka consumers with bounded retries and a dead-letter topic.

Messages come in batches. Read-model handlers apply a whole batch in one
database transaction that also records the inbox (event ids) and the offsets;
event-sourced handlers save each event's aggregates with its tracking position.
The batch is acknowledged only after that. A batch that fails is replayed one
message at a time: a message that keeps failing goes to `<topic>.dlt` with the
reason, and the rest flow on. Infrastructure failures (database or broker down)
never dead-letter: the batch is redelivered after a pause.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from eventsourcing.persistence import IntegrityError, Tracking
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage

from ecovid_events import IntegrationEvent, InvalidEvent, parse_event, topics
from ecovid_platform.application import ServiceApplication
from ecovid_platform.failures import is_transient
from ecovid_platform.inbox import Inbox
from ecovid_platform.storage import Storage

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Projects:
    """Applies an event to read models inside the given SQLAlchemy session."""

    apply: Callable[[Any, Any], None]


@dataclass(frozen=True)
class Commands:
    """Turns an event into aggregates with new events, saved with the consumer's tracking.

    The handler must be idempotent by construction (look before creating), so a
    conflict on save can only mean a concurrent writer: it is retried.
    """

    apply: Callable[[Any], Sequence[Any]]


Handler = Projects | Commands


@dataclass(frozen=True)
class Delivery:
    topic: str
    partition: int
    offset: int
    record: Any
    event: IntegrationEvent | None = None


class IdempotentConsumer:
    def __init__(
        self, *, name: str, topic: str, handlers: dict[str, Handler], storage: Storage,
        app: ServiceApplication | None = None, max_attempts: int = 5, retry_delay: float = 0.2,
        batch_size: int = 200, fetch_max_wait_ms: int = 25,
    ) -> None:
        self.name, self.topic, self.handlers = name, topic, handlers
        self.app, self.inbox = app, Inbox(name, storage)
        self.max_attempts, self.retry_delay, self.batch_size = max_attempts, retry_delay, batch_size
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.broker: KafkaBroker | None = None

    def subscribe(self, broker: KafkaBroker) -> None:
        self.broker = broker
        broker.subscriber(
            self.topic, group_id=self.name, batch=True, max_records=self.batch_size,
            fetch_max_wait_ms=self.fetch_max_wait_ms, batch_timeout_ms=self.fetch_max_wait_ms,
            ack_policy=AckPolicy.MANUAL, auto_offset_reset="earliest", decoder=_no_body,
        )(self.on_batch)

    async def on_batch(self, body: Any, msg: KafkaMessage) -> None:
        records = msg.raw_message if isinstance(msg.raw_message, tuple) else (msg.raw_message,)
        wanted = [d for d in [await self._read(r) for r in records] if d is not None]
        try:
            if wanted:
                await self._apply_batch(wanted)
        except Exception as error:  # noqa: BLE001 - classified just below
            if is_transient(error):
                log.warning("consumer paused: infrastructure failing", consumer=self.name, error=repr(error))
                await asyncio.sleep(self.retry_delay * 10)
                return await msg.nack()
            for delivery in wanted:
                await self._apply_alone(delivery)
        await msg.ack()
        log.info("events consumed", consumer=self.name, received=len(records), applied=len(wanted))

    async def _read(self, record: Any) -> Delivery | None:
        """The event if this consumer handles it; None to skip it (or once it is dead-lettered)."""
        where = Delivery(record.topic, record.partition, record.offset, record)
        labelled = dict(record.headers or ()).get("event_type")
        if labelled is not None and labelled.decode(errors="replace") not in self.handlers:
            return None  # not this consumer's business: whoever handles it validates it
        try:
            event = parse_event(record.value or b"")
        except InvalidEvent as error:
            await self._dead_letter(where, f"invalid event: {error}", attempts=1)
            return None
        if event.event_type not in self.handlers:
            return None
        return Delivery(where.topic, where.partition, where.offset, record, event)

    async def _apply_batch(self, batch: list[Delivery]) -> None:
        if all(isinstance(self.handlers[d.event.event_type], Projects) for d in batch):  # type: ignore[union-attr]
            await asyncio.to_thread(self.inbox.project, batch, self.handlers)
        else:
            for delivery in batch:
                await asyncio.to_thread(self._apply, delivery)

    async def _apply_alone(self, delivery: Delivery) -> None:
        for attempt in range(1, self.max_attempts + 1):
            try:
                return await asyncio.to_thread(self._apply, delivery)
            except Exception as error:  # noqa: BLE001 - counted toward the bound
                log.warning("consumer failed", consumer=self.name, attempt=attempt, error=repr(error))
                if attempt == self.max_attempts:
                    return await self._dead_letter(delivery, f"{type(error).__name__}: {error}", attempt)
                await asyncio.sleep(self.retry_delay * attempt)

    def _apply(self, delivery: Delivery) -> None:
        assert delivery.event is not None
        structlog.contextvars.bind_contextvars(
            correlation_id=delivery.event.correlation_id, patient_id=str(delivery.event.patient_id or "")
        )
        handler = self.handlers[delivery.event.event_type]
        if isinstance(handler, Projects):
            self.inbox.project([delivery], self.handlers)
        else:
            self._command(handler, delivery)
            log.info("event applied", consumer=self.name, event_type=delivery.event.event_type)

    def _command(self, handler: Commands, delivery: Delivery) -> None:
        assert self.app is not None, "a Commands handler needs the service application"
        tracking = Tracking(
            application_name=f"{self.name}:{delivery.topic}:{delivery.partition}",
            notification_id=delivery.offset,
        )
        recorder = self.app.process_recorder
        for attempt in range(1, self.max_attempts + 1):
            if recorder.has_tracking_id(tracking.application_name, tracking.notification_id):
                return
            try:
                return self.app.save_tracked(*handler.apply(delivery.event), tracking=tracking)
            except IntegrityError:
                if attempt == self.max_attempts:
                    raise

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


async def _no_body(msg: Any) -> None:
    # Records are read from the raw batch: validation is ours, not the framework's.
    return None
