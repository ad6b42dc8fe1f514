"""Rebuild a read model into shadow tables, then swap them in (or compare them with the live ones).

1. Replay, writers running: the service's own events from its notification log (through
   `translate`, asked for the types the read model applies, up to the last notification N
   as of the start), then the topics its consumer reads (earliest offset to the end, each
   event once by event id; read while the own events are applied), through the read
   model's own `Projects` handlers, into the shadow tables. Only those handlers run: no
   `Commands`, no `save`, no producer, so a rebuild raises no alert, sends nothing and
   publishes nothing.
2. Catch up and swap, in ONE transaction that holds the live writers: the local
   projection's position row (the projector takes it first in each of its transactions),
   the live tables (PostgreSQL: EXCLUSIVE, readers go on) and the inbox (SHARE: no consumer
   records an event meanwhile); SQLite: BEGIN IMMEDIATE. Whatever the live writers applied
   between the end of the replay and the lock is then visible and final:
   - own events: the projection's position P. If P > N, the shadow applies (N, P].
     If P < N (the projector lagged), the shadow is ahead, and the position becomes N.
   - consumed events: the inbox I of the live consumer (all its `Projects` handlers
     belong to this read model, so I speaks for it alone). Events in I the replay did not
     meet (applied live after the replay's end) are read from the topics and applied to
     the shadow; events the shadow applied that are not in I yet (the consumer lags) are
     added to I, so the live consumer skips them when it gets there.
   Then the shadow replaces the live tables, the position and the inbox are written, and
   the transaction commits: the live writers resume exactly after what the tables hold.
   `verify` does the same but never writes the live side: it waits (up to `wait_seconds`,
   locks released meanwhile) until the live writers have applied at least what the shadow
   did, catches the shadow up to them, compares row for row, and rolls back.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import structlog

from ecovid_events import IntegrationEvent
from ecovid_platform.application import ServiceApplication
from ecovid_platform.light import LightReader, read_log
from ecovid_platform.projector import apply_in_runs, lock_positions, record_position
from ecovid_platform.rebuild.model import ReadModel, ServiceReadModels
from ecovid_platform.rebuild.shadow import Shadow
from ecovid_platform.rebuild.topics import TopicReader
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage
from ecovid_platform.tables import consumer_inbox

log = structlog.get_logger(__name__)

# (stage, how many more done, total if known): drives the CLI's progress bar. Called from
# the replay's threads (own events from one, consumed events from the event loop's).
Progress = Callable[[str, int, int | None], None]
# What the topic reader hands the replay: a fetch's (records read, wanted events), its
# failure, or None at the end.
TopicBatch = tuple[int, list[IntegrationEvent]] | Exception | None


def _silent(stage: str, advance: int, total: int | None) -> None:
    return None


@dataclass(frozen=True)
class Difference:
    table: str
    key: tuple[Any, ...]
    live: dict[str, Any] | None
    rebuilt: dict[str, Any] | None


@dataclass
class Outcome:
    service: str
    read_model: str
    own_events: int = 0
    consumed_events: int = 0
    records_read: int = 0
    replay_seconds: float = 0.0
    own_seconds: float = 0.0  # of the replay: reading, decoding and applying own events
    light_events: int = 0  # own events decoded the light way (ecovid_platform.light)
    long_way: int = 0  # stored events that went through the mapper and translate
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    swapped: bool = False
    differences: list[Difference] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def events(self) -> int:
        return self.own_events + self.consumed_events

    @property
    def events_per_second(self) -> float:
        return self.events / self.replay_seconds if self.replay_seconds else 0.0


@contextmanager
def fewer_collections() -> Iterator[None]:
    """The replay makes millions of short-lived objects and hardly any cycle: the collector's
    automatic runs (each scanning the batch in hand again) cost ~15 % of reading and decoding
    (measured on a stored reading). Off during the replay; each applied batch calls
    `collect_batch`, which frees the few cycles a batch leaves (its session's) young."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def collect_batch() -> None:
    """The young generations only: what the batch just applied left in cycles."""
    gc.collect(1)


async def _pause(seconds: float) -> None:
    """Verify's wait for the live writers (tests replace it: patching asyncio.sleep itself
    would reach every event loop of the process)."""
    await asyncio.sleep(seconds)


class LiveLags(Exception):
    """The live writers have not applied yet what the shadow did (verify waits for them)."""


class Rebuild:
    def __init__(self, catalogue: ServiceReadModels, model: ReadModel, settings: ServiceSettings,
                 storage: Storage, app: ServiceApplication, progress: Progress = _silent) -> None:
        self.catalogue, self.model, self.settings = catalogue, model, settings
        self.storage, self.app, self.progress = storage, app, progress
        self.shadow = Shadow(storage, model.tables)
        self.replayed_to = 0  # last notification id applied to the shadow
        self.applied: set[str] = set()  # consumed event ids applied to the shadow
        self.reader: TopicReader | None = None
        self.outcome = Outcome(catalogue.service, model.name)
        self.own = (LightReader(app, catalogue.translate, catalogue.light, model.local.handlers)
                    if model.local is not None else None)

    async def run(self, *, verify: bool, wait_seconds: float = 30.0) -> Outcome:
        started = time.perf_counter()
        self.shadow.create()
        try:
            if self.model.consumed is not None:
                consumed = self.model.consumed
                self.reader = TopicReader(self.settings.kafka_bootstrap, consumed.topics, set(consumed.handlers))
            with fewer_collections():
                await self._replay()
            self.outcome.replay_seconds = time.perf_counter() - started
            if self.own is not None:
                self.outcome.light_events, self.outcome.long_way = self.own.light, self.own.long_way
            if self._unreadable():
                return self.outcome  # neither swapped nor compared: the rebuild would miss events
            deadline = time.monotonic() + wait_seconds
            while True:
                try:
                    await self._finish(verify=verify)
                    break
                except LiveLags as lag:
                    if time.monotonic() > deadline:
                        self.outcome.problems.append(f"live read model still behind its rebuild: {lag}")
                        break
                    await _pause(0.2)
        finally:
            if self.reader is not None:
                await self.reader.stop()
            self.shadow.drop()
        self.outcome.seconds = time.perf_counter() - started
        return self.outcome

    def _unreadable(self) -> bool:
        stalled = self.reader.stalled if self.reader is not None else {}
        for where, (position, end) in sorted(stalled.items()):
            self.outcome.problems.append(
                f"{where.topic} partition {where.partition}: nothing readable from offset {position} to its end "
                f"{end}; the broker lost records: `ecovid-ops republish` the service that produces it, then retry")
        return bool(stalled)

    # -- 1. replay, writers running -----------------------------------------------------

    async def _replay(self) -> None:
        """Own events, then consumed ones. The topics are read meanwhile (a fetch mostly waits
        on the broker, the last one for its silence); their batches wait in a short queue."""
        topics: asyncio.Queue[TopicBatch] = asyncio.Queue(maxsize=8)
        reading = asyncio.create_task(self._read_topics(topics)) if self.reader is not None else None
        try:
            started = time.perf_counter()
            if self.model.local is not None:
                await asyncio.to_thread(self._replay_log)
            self.outcome.own_seconds = time.perf_counter() - started
            if reading is not None:
                pending: list[IntegrationEvent] = []
                while (batch := await topics.get()) is not None:
                    if isinstance(batch, Exception):
                        raise batch
                    read, events = batch
                    pending += events
                    self.progress("consumed events", read, None)
                self.outcome.records_read = await reading
                self._apply_in_order(pending)
        finally:
            if reading is not None and not reading.done():
                reading.cancel()
                await asyncio.gather(reading, return_exceptions=True)

    def _apply_in_order(self, events: list[IntegrationEvent], batch_size: int = 5000) -> None:
        """The consumed events in the order they occurred, not the topics' order.

        A producer that re-published its log after the broker lost it (or restarted empty)
        puts its oldest events after the ones it wrote meanwhile: a reading would come before
        the opening of its episode, and a handler that ignores a reading for an episode it
        does not know would miss it for good (the live side knew the episode already). Each
        event's time comes from the producer's event store, the same in every copy; the sort
        is stable, so events of the same moment keep the topics' order.
        """
        events.sort(key=lambda event: event.occurred_at)
        for start in range(0, len(events), batch_size):
            with self.shadow.batch() as session:
                self._apply_consumed(session, events[start:start + batch_size])
            collect_batch()

    async def _read_topics(self, batches: asyncio.Queue[TopicBatch]) -> int:
        """Puts each fetch's (records read, wanted events), then None; a failure in their place."""
        assert self.reader is not None
        try:
            await self.reader.start()
            self.progress("consumed events", 0, await self.reader.total())
            async for batch in self.reader.to_end():
                await batches.put(batch)
        except Exception as error:  # noqa: BLE001 - the replay raises it, in its own task
            await batches.put(error)
        await batches.put(None)
        return self.reader.read

    def _replay_log(self) -> None:
        """The own events up to the last notification as of now (in a thread of its own)."""
        last = self.app.recorder.max_notification_id() or 0
        self.progress("own events", 0, last)
        # The next batch is fetched while this one is decoded and written: the
        # database's answer overlaps the interpreter's work.
        with ThreadPoolExecutor(max_workers=1) as fetcher:
            coming = fetcher.submit(self._fetch_own, self.replayed_to, last)
            while notifications := coming.result():
                if notifications[-1].id < last:
                    coming = fetcher.submit(self._fetch_own, notifications[-1].id, last)
                else:
                    coming = fetcher.submit(list)
                with self.shadow.batch() as session:
                    self._apply_own(session, notifications)
                collect_batch()
        self.replayed_to = last  # ids can have gaps (rolled-back inserts)

    def _fetch_own(self, after: int, up_to: int, batch_size: int = 5000) -> list[Any]:
        return list(read_log(self.app, after, up_to, min(batch_size, up_to - after)))

    def _replay_own(self, session: Any, up_to: int) -> None:
        """Own events after the last one replayed, up to notification `up_to`, into the shadow."""
        while self.replayed_to < up_to:
            notifications = self._fetch_own(self.replayed_to, up_to)
            if not notifications:
                break
            self._apply_own(session, notifications)
        self.replayed_to = up_to

    def _apply_own(self, session: Any, notifications: Sequence[Any]) -> None:
        local = self.model.local
        assert local is not None and self.own is not None
        events = [e for _, e in self.own.read(notifications)]
        apply_in_runs(session, local.handlers, events)
        self.replayed_to = notifications[-1].id
        self.outcome.own_events += len(events)
        self.progress("own events", len(notifications), None)

    def _apply_consumed(self, session: Any, events: Sequence[IntegrationEvent], only: set[str] | None = None) -> None:
        consumed = self.model.consumed
        assert consumed is not None
        fresh = []
        for event in events:
            event_id = str(event.event_id)
            if event_id in self.applied or (only is not None and event_id not in only):
                continue
            self.applied.add(event_id)
            fresh.append(event)
        apply_in_runs(session, consumed.handlers, fresh)
        self.outcome.consumed_events += len(fresh)

    # -- 2. catch up and swap (or compare), writers held ---------------------------------

    async def _finish(self, *, verify: bool) -> None:
        with self.shadow.holding_writers(commit=not verify) as connection:
            session = self.shadow.session(connection)
            local = self.model.local
            position = None
            # The tables first, and for a swap at once in the mode DROP TABLE takes: upgrading a
            # held lock while a writer queues for the table deadlocks (seen on PostgreSQL: the
            # rebuild waited for AccessExclusive, a writer for RowExclusive, each behind the other).
            self.shadow.lock_live_tables(connection, swapping=not verify)
            if local is not None:
                position = lock_positions(connection, [local.name]).get(local.name)
            inbox: set[str] = set()
            if self.model.consumed is not None:
                self.shadow.lock_inbox(connection, consumer_inbox)
                inbox = set(connection.execute(sa.select(consumer_inbox.c.event_id).where(
                    consumer_inbox.c.consumer == self.model.consumed.consumer)).scalars())
            if verify:
                self._check_not_behind(position, inbox)
            if local is not None and position is not None and self.replayed_to < position:
                self._replay_own(session, position)
            if self.model.consumed is not None and inbox - self.applied:
                await self._catch_up_consumed(session, inbox, verify=verify)
            if verify:
                self._compare(connection)
                return
            self.shadow.swap(connection)
            if local is not None:
                record_position(connection, local.name, max(self.replayed_to, position or 0),
                                known=position is not None)
            if self.model.consumed is not None:
                self._adopt_inbox(connection, self.applied - inbox)
            self.outcome.swapped = True
            self.outcome.rows = {t.name: self.shadow.count(connection, t) for t in self.model.tables}

    def _check_not_behind(self, position: int | None, inbox: set[str]) -> None:
        behind = []
        if self.model.local is not None and (position or 0) < self.replayed_to:
            behind.append(f"{self.model.local.name} at notification {position or 0} of {self.replayed_to}")
        if self.model.consumed is not None and (lagging := len(self.applied - inbox)):
            behind.append(f"{self.model.consumed.consumer} has {lagging} consumed events still to apply")
        if behind:
            raise LiveLags("; ".join(behind))

    async def _catch_up_consumed(self, session: Any, inbox: set[str], *, verify: bool) -> None:
        """Events the live consumer applied after the replay's end: read on and apply them."""
        assert self.reader is not None
        async for _, events in self.reader.to_end():
            # verify: exactly what the live side applied; rebuild: those, and whatever the
            # shadow meets on the way (the inbox then records them for the live consumer).
            self._apply_consumed(session, events, only=inbox if verify else None)
        unseen = len(inbox - self.applied)
        if unseen:
            # Applied live but found on no topic now: events of a type this read model no
            # longer takes, or a broker that lost them (republish the producers first).
            log.info("inbox holds events found on no consumed topic", read_model=self.model.name, count=unseen)

    def _adopt_inbox(self, connection: sa.Connection, event_ids: set[str]) -> None:
        assert self.model.consumed is not None
        if event_ids:
            now = datetime.now(UTC)
            connection.execute(consumer_inbox.insert(), [
                {"consumer": self.model.consumed.consumer, "event_id": event_id, "applied_at": now}
                for event_id in sorted(event_ids)])

    def _compare(self, connection: sa.Connection) -> None:
        for table in self.model.tables:
            live = self.shadow.rows(connection, table, shadow=False)
            rebuilt = self.shadow.rows(connection, table, shadow=True)
            self.outcome.rows[table.name] = len(live)
            for key in sorted(live.keys() | rebuilt.keys(), key=repr):
                if live.get(key) != rebuilt.get(key):
                    self.outcome.differences.append(Difference(table.name, key, live.get(key), rebuilt.get(key)))


def open_service(catalogue: ServiceReadModels, settings: ServiceSettings) -> tuple[Storage, ServiceApplication]:
    """The service's read-model database and event store, as the service opens them."""
    storage = Storage(catalogue.service, settings)
    app = catalogue.application(env=storage.eventsourcing_env())
    if catalogue.configure is not None:
        catalogue.configure(app)
    return storage, app


async def rebuild(catalogue: ServiceReadModels, names: Sequence[str] | None, settings: ServiceSettings, *,
                  verify: bool = False, progress: Progress = _silent, wait_seconds: float = 30.0) -> list[Outcome]:
    """Rebuild (or verify) the named read models of a service, every one when no name is given."""
    models = [catalogue.find(name) for name in names] if names else list(catalogue.read_models)
    storage, app = open_service(catalogue, settings)
    outcomes = []
    try:
        for model in models:
            outcome = await Rebuild(catalogue, model, settings, storage, app, progress).run(
                verify=verify, wait_seconds=wait_seconds)
            log.info("read model verified" if verify else "read model rebuilt", service=catalogue.service,
                     read_model=model.name, events=outcome.events, seconds=round(outcome.seconds, 3),
                     differences=len(outcome.differences), swapped=outcome.swapped)
            outcomes.append(outcome)
    finally:
        app.close()
        storage.engine.dispose()
    return outcomes
