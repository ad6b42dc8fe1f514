"""Idempotent Kafka consumers with bounded retries and a dead-letter topic.

Each message is applied in one database transaction that also records the
consumer's position (and, for read models, the event id), then acknowledged.
A redelivered or re-published event therefore has no second effect.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import structlog
from eventsourcing.persistence import IntegrityError, Tracking
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from sqlalchemy.orm import Session

from ecovid_events import IntegrationEvent, InvalidEvent, parse_event, topics
from ecovid_platform.application import ServiceApplication
from ecovid_platform.storage import Storage
from ecovid_platform.tables import consumer_inbox, consumer_offsets

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Projects:
    """Applies an event to read models inside the given SQLAlchemy session."""

    apply: Callable[[Session, Any], None]


@dataclass(frozen=True)
class Commands:
    """Turns an event into aggregates with new events, saved with the consumer's tracking."""

    apply: Callable[[Any], Sequence[Any]]


Handler = Projects | Commands


@dataclass(frozen=True)
class Position:
    topic: str
    partition: int
    offset: int


class IdempotentConsumer:
    def __init__(
        self,
        *,
        name: str,
        topic: str,
        handlers: dict[str, Handler],
        storage: Storage,
        app: ServiceApplication | None = None,
        max_attempts: int = 5,
        retry_delay: float = 0.2,
    ) -> None:
        self.name, self.topic, self.handlers = name, topic, handlers
        self.storage, self.app = storage, app
        self.max_attempts, self.retry_delay = max_attempts, retry_delay
        self._attempts: dict[Position, int] = defaultdict(int)
        self.broker: KafkaBroker | None = None

    def subscribe(self, broker: KafkaBroker) -> None:
        self.broker = broker
        broker.subscriber(
            self.topic,
            group_id=self.name,
            ack_policy=AckPolicy.MANUAL,
            auto_offset_reset="earliest",
            decoder=_raw_body,
        )(self.on_message)

    async def on_message(self, body: bytes, msg: KafkaMessage) -> None:
        raw = msg.raw_message
        where = Position(raw.topic, raw.partition, raw.offset)  # type: ignore[union-attr]
        structlog.contextvars.bind_contextvars(kafka_topic=where.topic, kafka_offset=where.offset)
        try:
            event = parse_event(msg.body)
        except InvalidEvent as error:
            await self._dead_letter(msg, where, f"invalid event: {error}", attempts=1)
            return await msg.ack()
        structlog.contextvars.bind_contextvars(
            correlation_id=event.correlation_id, patient_id=str(event.patient_id or "")
        )
        handler = self.handlers.get(event.event_type)
        if handler is not None:
            try:
                await asyncio.to_thread(self.apply, handler, event, where)
            except Exception as error:  # noqa: BLE001 - any failure counts toward the bound
                if not await self._retry_or_dead_letter(msg, where, error):
                    return None
        self._attempts.pop(where, None)
        await msg.ack()
        log.info("event consumed", consumer=self.name, event_type=event.event_type,
                 applied=handler is not None)

    async def _retry_or_dead_letter(
        self, msg: KafkaMessage, where: Position, error: Exception
    ) -> bool:
        """False when the message will come again; True once it is dead-lettered."""
        self._attempts[where] += 1
        attempts = self._attempts[where]
        log.warning("consumer failed", consumer=self.name, attempts=attempts, error=repr(error))
        if attempts < self.max_attempts:
            await asyncio.sleep(self.retry_delay * attempts)
            await msg.nack()
            return False
        await self._dead_letter(msg, where, f"{type(error).__name__}: {error}", attempts)
        return True

    def apply(self, handler: Handler, event: IntegrationEvent, where: Position) -> None:
        if isinstance(handler, Projects):
            self._project(handler, event, where)
        else:
            self._command(handler, event, where)

    def _project(self, handler: Projects, event: IntegrationEvent, where: Position) -> None:
        with self.storage.transaction() as session:
            seen = session.execute(
                sa.select(consumer_inbox.c.event_id).where(
                    consumer_inbox.c.consumer == self.name,
                    consumer_inbox.c.event_id == str(event.event_id),
                )
            ).first()
            if seen is None:
                handler.apply(session, event)
                session.execute(consumer_inbox.insert().values(
                    consumer=self.name, event_id=str(event.event_id), applied_at=datetime.now(UTC)
                ))
            self._record_offset(session, where)

    def _command(self, handler: Commands, event: IntegrationEvent, where: Position) -> None:
        assert self.app is not None, "a Commands handler needs the service application"
        tracking = Tracking(
            application_name=f"{self.name}:{where.topic}:{where.partition}",
            notification_id=where.offset,
        )
        recorder = self.app.process_recorder
        if recorder.has_tracking_id(tracking.application_name, tracking.notification_id):
            return
        aggregates = handler.apply(event)
        try:
            self.app.save_tracked(*aggregates, tracking=tracking)
        except IntegrityError:
            # Deterministic aggregate ids: the same event re-published at another offset.
            recorder.insert_tracking(tracking)

    def _record_offset(self, session: Session, where: Position) -> None:
        key = (consumer_offsets.c.consumer == self.name) & (
            consumer_offsets.c.topic == where.topic
        ) & (consumer_offsets.c.partition == where.partition)
        if not session.execute(consumer_offsets.update().where(key).values(offset=where.offset)).rowcount:
            session.execute(consumer_offsets.insert().values(
                consumer=self.name, topic=where.topic, partition=where.partition, offset=where.offset
            ))

    async def _dead_letter(
        self, msg: KafkaMessage, where: Position, reason: str, attempts: int
    ) -> None:
        assert self.broker is not None
        log.error("dead-lettered", consumer=self.name, reason=reason, attempts=attempts)
        await self.broker.publish(
            msg.body,
            topics.dead_letter(where.topic),
            key=msg.raw_message.key,  # type: ignore[union-attr]
            headers={
                "dlt.reason": reason[:1000],
                "dlt.consumer": self.name,
                "dlt.topic": where.topic,
                "dlt.partition": str(where.partition),
                "dlt.offset": str(where.offset),
                "dlt.attempts": str(attempts),
            },
        )
        self._attempts.pop(where, None)


async def _raw_body(msg: Any) -> bytes:
    # Producers outside the platform may label their messages: validation is ours.
    return msg.body
