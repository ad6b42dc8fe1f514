"""The outbox relay: tails a service's notification log in order and publishes to Kafka.

Delivery is at-least-once: the position is recorded after the broker acknowledged
the batch, so a crash in between re-publishes events with the same `event_id`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

import sqlalchemy as sa
import structlog
from aiokafka import AIOKafkaProducer
from eventsourcing.domain import DomainEventProtocol

from ecovid_events import IntegrationEvent
from ecovid_platform.application import ServiceApplication
from ecovid_platform.storage import Storage
from ecovid_platform.tables import outbox_position

Translate = Callable[[DomainEventProtocol], Iterable[IntegrationEvent]]
log = structlog.get_logger(__name__)


class OutboxRelay:
    def __init__(
        self,
        *,
        name: str,
        app: ServiceApplication,
        storage: Storage,
        translate: Translate,
        topic: str,
        bootstrap: str,
        batch_size: int = 500,
        idle_poll_seconds: float = 1.0,
        linger_seconds: float = 0.0,
    ) -> None:
        self.name, self.app, self.storage = name, app, storage
        self.translate, self.topic, self.bootstrap = translate, topic, bootstrap
        self.batch_size, self.idle_poll_seconds = batch_size, idle_poll_seconds
        self.linger_seconds = linger_seconds
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        # The relay is the only writer of its position: read once, then kept here.
        self._published_up_to: int | None = None

    def wake(self) -> None:
        """Thread-safe: called after every save so the relay does not wait for its poll."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.app.on_recorded = self.wake
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=False, linger_ms=2
        )
        await producer.start()
        try:
            while True:
                published = await self.relay_once(producer)
                if published < self.batch_size:
                    await self._wait_for_new_events()
        finally:
            await producer.stop()

    async def _wait_for_new_events(self) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), self.idle_poll_seconds)
        except TimeoutError:
            return
        # Saves come in bursts under load: what is saved meanwhile goes in the same batch.
        await asyncio.sleep(self.linger_seconds)
        self._wake.clear()

    async def relay_once(self, producer: AIOKafkaProducer) -> int:
        if self._published_up_to is None:
            self._published_up_to = await asyncio.to_thread(self._position)
        position = self._published_up_to
        notifications = await asyncio.to_thread(
            self.app.recorder.select_notifications,
            position,
            self.batch_size,
            inclusive_of_start=False,
        )
        if not notifications:
            return 0
        sends = []
        for notification in notifications:
            domain_event = self.app.mapper.to_domain_event(notification)
            for event in self.translate(domain_event):
                sends.append(await producer.send(
                    self.topic,
                    event.to_bytes(),
                    key=event.kafka_key(),
                    headers=[
                        ("event_type", event.event_type.encode()),
                        ("correlation_id", event.correlation_id.encode()),
                    ],
                ))
        await asyncio.gather(*sends)
        await asyncio.to_thread(self._record_position, notifications[-1].id)
        self._published_up_to = notifications[-1].id
        log.debug("outbox relayed", count=len(sends), position=notifications[-1].id)
        return len(notifications)

    def _position(self) -> int:
        with self.storage.transaction() as session:
            value = session.execute(
                sa.select(outbox_position.c.notification_id).where(
                    outbox_position.c.relay == self.name
                )
            ).scalar_one_or_none()
        return value or 0

    def _record_position(self, notification_id: int) -> None:
        # Not durable: after a database crash the relay re-publishes from an older position.
        with self.storage.transaction(durable=False) as session:
            updated = session.execute(
                outbox_position.update()
                .where(outbox_position.c.relay == self.name)
                .values(notification_id=notification_id)
            ).rowcount
            if not updated:
                session.execute(
                    outbox_position.insert().values(relay=self.name, notification_id=notification_id)
                )
