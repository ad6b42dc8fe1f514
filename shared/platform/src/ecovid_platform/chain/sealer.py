"""The sealer: follows the service's notification log and chains each stored event, after the
fact, so writing events is not slowed; and the relay that publishes its signed checkpoints.

The sealer reads the log the way the outbox relay does (same process, in order, woken by each
save): from the chain's head, each new event's content hash and link, written in one transaction
with, every `checkpoint_records` records or `checkpoint_seconds` seconds (whichever first, and only
when the head moved), a signed checkpoint of the head. It is idempotent: it starts again from what
the chain table holds, and a link is only ever inserted (a second sealer fails on the key, reloads
and goes on). Events stored before the chain existed are sealed from the first one at the first
start: tampering with them before that is not detected.

The checkpoint relay publishes each checkpoint, once stored, on `ops.checkpoints` (its position in
`outbox_position`, as `<service>.checkpoints`): a copy outside the database, which whoever alters
the database cannot take back.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from aiokafka import AIOKafkaProducer
from sqlalchemy.exc import IntegrityError

from ecovid_events import Actor, event_id_for, topics
from ecovid_events.ops import ChainCheckpointed, ChainCheckpointedPayload
from ecovid_platform.application import ServiceApplication
from ecovid_platform.chain import links
from ecovid_platform.chain.keys import Checkpoint, Signer
from ecovid_platform.chain.store import ChainStore, EventLog
from ecovid_platform.failures import is_transient
from ecovid_platform.outbox import read_position, record_position, stop_quietly, topic_created, waits_out
from ecovid_platform.storage import Storage
from ecovid_platform.wakeup import Wakeup

log = structlog.get_logger(__name__)
Clock = Callable[[], datetime]
_RETRY_FIRST_SECONDS, _RETRY_MAX_SECONDS = 0.2, 5.0


def _now() -> datetime:
    return datetime.now(UTC)


class Sealer:
    def __init__(
        self, *, service: str, app: ServiceApplication, storage: Storage, signer: Signer,
        checkpoint_records: int = 10_000, checkpoint_seconds: float = 60.0, batch_size: int = 2000,
        idle_poll_seconds: float = 1.0, linger_seconds: float = 0.0, clock: Clock = _now,
    ) -> None:
        self.service, self.app, self.storage, self.signer = service, app, storage, signer
        self.log, self.chain = EventLog(app), ChainStore(storage, service)
        self.checkpoint_records, self.checkpoint_seconds = checkpoint_records, checkpoint_seconds
        self.batch_size, self.idle_poll_seconds, self.linger_seconds = batch_size, idle_poll_seconds, linger_seconds
        self.clock = clock
        # Called (from the sealer's thread) after a checkpoint is stored: the relay's wake-up.
        self.on_checkpoint: Callable[[], None] | None = None
        self._wakeup = Wakeup()
        self._head: tuple[int, bytes] | None = None  # (notification id, hash); None: not read yet
        # The last checkpoint: (notification id, when); before any, (0, the sealer's start).
        self._checkpointed: tuple[int, datetime] = (0, clock())

    def wake(self) -> None:
        """Thread-safe: called after every save."""
        self._wakeup.ring()

    async def run(self) -> None:
        self._wakeup.bind()
        self.app.recorded_listeners.append(self.wake)
        if self.signer.is_development:
            log.warning("chain checkpoints signed with the DEVELOPMENT key: anyone can forge them; "
                        "set ECOVID_CHECKPOINT_SIGNING_KEY (ecovid-ops checkpoint-key makes one)",
                        service=self.service, key_id=self.signer.key_id)
        while True:
            try:
                sealed = await asyncio.to_thread(self.seal_once)
            except IntegrityError:
                log.warning("chain sealed meanwhile by another writer: reading its head again", service=self.service)
                self._head = None
                continue
            except Exception as error:
                if not is_transient(error):
                    raise  # a defect: stop, loudly
                log.warning("sealer paused: database failing", error=repr(error))
                self._head = None
                await asyncio.sleep(self.idle_poll_seconds)
                continue
            if sealed < self.batch_size:
                await self._wait_for_new_events()

    async def _wait_for_new_events(self) -> None:
        await self._wakeup.wait(self.idle_poll_seconds, self.linger_seconds)

    def _load(self) -> tuple[int, bytes]:
        head = self.chain.head()
        last = self.chain.last_checkpoint()
        if last is not None:
            self._checkpointed = (last.notification_id, last.signed_at)
        return (head[0], head[2]) if head is not None else (0, links.genesis(self.service))

    def seal_once(self) -> int:
        """Chains the next batch of the log (and checkpoints when due); returns how many it chained."""
        if self._head is None:
            self._head = self._load()
        after, previous = self._head
        records = self.log.read(after, self.batch_size)
        new = links.chain(previous, records)
        now = self.clock()
        head = (new[-1][0], new[-1][2]) if new else self._head
        checkpoint = self._checkpoint(head, now)
        if not new and checkpoint is None:
            return 0
        with self.storage.transaction() as session:
            self.chain.append(session, new, now, checkpoint)
        self._head = head
        if checkpoint is not None:
            self._checkpointed = (checkpoint.notification_id, checkpoint.signed_at)
            log.info("chain checkpoint", service=self.service, notification_id=checkpoint.notification_id,
                     hash=checkpoint.hash.hex())
            if self.on_checkpoint is not None:
                self.on_checkpoint()
        return len(new)

    def _checkpoint(self, head: tuple[int, bytes], now: datetime) -> Checkpoint | None:
        checkpointed_at, when = self._checkpointed
        if head[0] <= checkpointed_at or head[0] <= 0:
            return None
        due = (head[0] - checkpointed_at >= self.checkpoint_records
               or (now - when).total_seconds() >= self.checkpoint_seconds)
        return self.signer.sign(head[0], head[1], now) if due else None


def checkpoint_event(checkpoint: Checkpoint) -> ChainCheckpointed:
    """The checkpoint as published on `ops.checkpoints` (same event id each time it is sent)."""
    return ChainCheckpointed(
        event_id=event_id_for(f"{checkpoint.service}.chain", checkpoint.notification_id),
        occurred_at=checkpoint.signed_at, producer=checkpoint.service, correlation_id=f"{checkpoint.service}.chain",
        actor=Actor(kind="platform"),
        payload=ChainCheckpointedPayload(
            service=checkpoint.service, notification_id=checkpoint.notification_id, hash=checkpoint.hash.hex(),
            signed_at=checkpoint.signed_at, key_id=checkpoint.key_id,
            signature=base64.b64encode(checkpoint.signature).decode()),
    )


def checkpoint_from(event: ChainCheckpointed) -> Checkpoint:
    p = event.payload
    try:
        signature = base64.b64decode(p.signature, validate=True)
    except ValueError:
        signature = b""
    return Checkpoint(p.service, p.notification_id, bytes.fromhex(p.hash), p.signed_at, p.key_id, signature)


class CheckpointRelay:
    """Publishes the stored checkpoints on `ops.checkpoints`, in order, at least once."""

    def __init__(self, *, service: str, storage: Storage, bootstrap: str, topic: str = topics.OPS_CHECKPOINTS,
                 idle_poll_seconds: float = 5.0, producer_factory: Callable[[], Any] | None = None) -> None:
        self.service, self.storage, self.bootstrap, self.topic = service, storage, bootstrap, topic
        self.name = f"{service}.checkpoints"
        self.chain = ChainStore(storage, service)
        self.idle_poll_seconds = idle_poll_seconds
        self.producer_factory = producer_factory or (lambda: AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=False))
        self._wakeup = Wakeup()

    def wake(self) -> None:
        self._wakeup.ring()

    async def run(self) -> None:
        """Until cancelled; a broker or database away is waited out, never fatal."""
        self._wakeup.bind()
        delay = _RETRY_FIRST_SECONDS
        while True:
            producer = self.producer_factory()
            try:
                await producer.start()
                while True:
                    await self.publish_once(producer)
                    delay = _RETRY_FIRST_SECONDS
                    await self._wakeup.wait(self.idle_poll_seconds)
            except Exception as error:
                if not waits_out(error):
                    raise
                log.warning("checkpoint relay waiting: broker or database unreachable", relay=self.name,
                            error=repr(error), retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_MAX_SECONDS)
            finally:
                await stop_quietly(producer)

    async def publish_once(self, producer: Any) -> int:
        position = await asyncio.to_thread(read_position, self.storage, self.name)
        pending = await asyncio.to_thread(self.chain.checkpoints, position)
        if not pending:
            return 0
        await topic_created(producer)
        sends = []
        for checkpoint in pending:
            event = checkpoint_event(checkpoint)
            sends.append(await producer.send(self.topic, event.to_bytes(), key=event.kafka_key(), headers=[
                ("event_type", event.event_type.encode()), ("correlation_id", event.correlation_id.encode())]))
        await asyncio.gather(*sends)
        await asyncio.to_thread(record_position, self.storage, self.name, pending[-1].notification_id)
        return len(pending)
