"""Local projections: a service's own events feed its own read models from its notification log.

The projector tails the notification log in order, the way the outbox relay does, and
turns each stored domain event into integration events with the service's `translate`,
then hands them to the same `Projects` handlers a Kafka consumer would. No broker, no
relay and no consumer batch sit between a save and the read model any more; Kafka stays
for what crosses a service boundary.

Each projection keeps its own position (projection name -> last notification id) in the
read-model database, written in the same transaction as the projection's rows: an event
is applied exactly once, whatever crashes in between. The transaction takes the
projection's position row for writing first, so a rebuild (`ecovid_platform.rebuild`)
that holds it waits for the batch in flight and then keeps the projector out until it
has swapped its tables in.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

import sqlalchemy as sa
import structlog

from ecovid_events import IntegrationEvent
from ecovid_platform.application import ServiceApplication
from ecovid_platform.consumer import Projects
from ecovid_platform.failures import is_transient
from ecovid_platform.integration import Translate
from ecovid_platform.storage import Storage
from ecovid_platform.tables import projection_positions
from ecovid_platform.wakeup import Wakeup

__all__ = ["LocalProjector", "Projection", "Translate", "lock_positions", "projection_positions", "record_position"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Projection:
    """A read model fed by the service's own events.

    `owned` are the tables only this projection writes: emptied when it starts without
    a position (a database made when the read model was still fed through Kafka), so the
    replay from the first event does not apply anything twice. A table shared with a
    Kafka consumer is not listed: its handlers must then be idempotent by event id.
    """

    name: str
    handlers: dict[str, Projects]
    owned: Sequence[sa.Table] = field(default=())


def lock_positions(session: Any, names: Sequence[str]) -> dict[str, int]:
    """The positions of these projections, held for writing until the transaction ends.

    An UPDATE rather than SELECT ... FOR UPDATE: on SQLite a write is what takes the
    database's write lock (and moves the transaction to the latest snapshot).
    """
    p = projection_positions.c
    session.execute(projection_positions.update().where(p.projection.in_(names))
                    .values(notification_id=p.notification_id))
    rows = session.execute(sa.select(p.projection, p.notification_id).where(p.projection.in_(names)))
    return {row.projection: row.notification_id for row in rows}


def record_position(session: Any, name: str, notification_id: int, known: bool) -> None:
    p = projection_positions.c
    if known:
        session.execute(projection_positions.update().where(p.projection == name)
                        .values(notification_id=notification_id))
    else:
        session.execute(projection_positions.insert().values(projection=name, notification_id=notification_id))


def apply_in_runs(session: Any, handlers: dict[str, Projects], events: Sequence[IntegrationEvent]) -> None:
    """Consecutive events with the same handler go to it together (`Projects.apply_all`)."""
    for handler, run in groupby(events, key=lambda event: handlers[event.event_type]):
        handler.apply_all(session, list(run))


def translated(app: ServiceApplication, translate: Translate, notifications: Sequence[Any], wanted: Container[str]
               ) -> list[tuple[int, IntegrationEvent]]:
    """(notification id, event) for the events of the wanted types, in the log's order."""
    return [(n.id, event) for n in notifications for event in translate(app.mapper.to_domain_event(n), wanted)
            if event.event_type in wanted]


class LocalProjector:
    def __init__(
        self, *, app: ServiceApplication, storage: Storage, translate: Translate,
        projections: Sequence[Projection], batch_size: int = 500, idle_poll_seconds: float = 1.0,
        linger_seconds: float = 0.0,
    ) -> None:
        names = [p.name for p in projections]
        if len(set(names)) != len(names):
            raise ValueError(f"two projections share a name: {names}")
        self.app, self.storage, self.translate = app, storage, translate
        self.projections = tuple(projections)
        self.wanted = frozenset(t for p in projections for t in p.handlers)
        self.batch_size, self.idle_poll_seconds, self.linger_seconds = batch_size, idle_poll_seconds, linger_seconds
        self._wakeup = Wakeup()
        # Where to read from next: the lowest position. A hint only: the positions read
        # (and locked) in each transaction decide what is applied.
        self._read_from: int | None = None

    def wake(self) -> None:
        """Thread-safe: called after every save, so a new event is projected at once."""
        self._wakeup.ring()

    async def run(self) -> None:
        self._wakeup.bind()
        self.app.recorded_listeners.append(self.wake)
        await asyncio.to_thread(self.prepare)
        while True:
            try:
                projected = await asyncio.to_thread(self.project_once)
            except Exception as error:
                if not is_transient(error):
                    raise  # a handler that fails on the service's own event: stop, loudly
                log.warning("projector paused: database failing", error=repr(error))
                await asyncio.sleep(self.idle_poll_seconds)
                continue
            if projected < self.batch_size:
                await self._wait_for_new_events()

    def prepare(self) -> None:
        """Empties what a projection without a position owns (the migrations made the table)."""
        with self.storage.transaction() as session:
            known = lock_positions(session, [p.name for p in self.projections])
            for projection in self.projections:
                if projection.name in known:
                    continue
                for table in projection.owned:
                    session.execute(table.delete())
                record_position(session, projection.name, 0, known=False)
                log.info("projection starts from the first event", projection=projection.name)

    async def _wait_for_new_events(self) -> None:
        await self._wakeup.wait(self.idle_poll_seconds, self.linger_seconds)

    def project_once(self) -> int:
        """Applies the next batch of the notification log; returns how many notifications it read."""
        started = time.perf_counter()
        if self._read_from is None:
            with self.storage.transaction() as session:
                known = lock_positions(session, [p.name for p in self.projections])
            self._read_from = min(known.get(p.name, 0) for p in self.projections)
        notifications = self.app.recorder.select_notifications(
            self._read_from, self.batch_size, inclusive_of_start=False
        )
        if not notifications:
            return 0
        events = translated(self.app, self.translate, notifications, self.wanted)
        last = notifications[-1].id
        applied = 0
        with self.storage.transaction() as session:
            positions = lock_positions(session, [p.name for p in self.projections])
            for projection in self.projections:
                done = positions.get(projection.name, 0)
                if done >= last:
                    continue  # a rebuild went further than this batch
                mine = [e for n, e in events if n > done and e.event_type in projection.handlers]
                apply_in_runs(session, projection.handlers, mine)
                record_position(session, projection.name, last, known=projection.name in positions)
                applied += len(mine)
        self._read_from = last
        log.debug("projected", notifications=len(notifications), applied=applied, position=last,
                  ms=round((time.perf_counter() - started) * 1000, 1))
        return len(notifications)
