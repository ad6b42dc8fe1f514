"""The local projector: own events into read models from the notification log, exactly once."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
import sqlalchemy as sa
from platform_fakes import Mark, Marks, translate

from ecovid_platform.consumer import Projects
from ecovid_platform.projector import LocalProjector, Projection, projection_positions
from ecovid_platform.storage import Storage

names_md = sa.MetaData()
names = sa.Table("names", names_md, sa.Column("event_id", sa.String(36), primary_key=True),
                 sa.Column("name", sa.String(50)))
counts = sa.Table("counts", names_md, sa.Column("name", sa.String(50), primary_key=True),
                  sa.Column("seen", sa.Integer))


def add_name(session, event) -> None:  # type: ignore[no-untyped-def]
    if event.payload.last_name == "Poison":
        raise RuntimeError("a handler failing half way through a batch")
    session.execute(names.insert().values(event_id=str(event.event_id), name=event.payload.last_name))


def count_name(session, event) -> None:  # type: ignore[no-untyped-def]
    # Not idempotent on purpose: a second application shows as seen = 2.
    updated = session.execute(counts.update().where(counts.c.name == event.payload.last_name)
                              .values(seen=counts.c.seen + 1)).rowcount
    if not updated:
        session.execute(counts.insert().values(name=event.payload.last_name, seen=1))


def projector(marks: Marks, storage: Storage, **options) -> LocalProjector:  # type: ignore[no-untyped-def]
    names_md.create_all(storage.engine)
    found = LocalProjector(app=marks, storage=storage, translate=translate, projections=[
        Projection("test.names", {"PatientRegistered": Projects(add_name)}, owned=[names]),
        Projection("test.counts", {"PatientRegistered": Projects(count_name)}, owned=[counts]),
    ], **options)
    found.prepare()
    return found


def save(marks: Marks, *labels: str) -> None:
    for label in labels:
        marks.save(Mark(source_event_id=uuid.uuid4(), name=label))


def rows(storage: Storage, table: sa.Table) -> list[tuple]:  # type: ignore[type-arg]
    with storage.transaction() as session:
        return [tuple(r) for r in session.execute(sa.select(table).order_by(*table.primary_key.columns))]


def positions(storage: Storage) -> dict[str, int]:
    with storage.transaction() as session:
        return dict(session.execute(sa.select(projection_positions)).all())  # type: ignore[arg-type]


def test_each_own_event_is_applied_once_and_the_position_follows(marks: Marks, storage: Storage) -> None:
    """Break: record the position before applying, outside the rows' transaction, or apply from
    the read position inclusively -> counts show 2 or the position lags -> fails."""
    found = projector(marks, storage)
    save(marks, "Martin", "Durand")
    assert found.project_once() == 2
    save(marks, "Martin")
    assert found.project_once() == 1
    assert found.project_once() == 0
    assert rows(storage, counts) == [("Durand", 1), ("Martin", 2)]
    assert positions(storage) == {"test.names": 3, "test.counts": 3}


def test_a_failing_batch_leaves_rows_and_position_as_they_were(marks: Marks, storage: Storage) -> None:
    """Break: commit the position in a transaction of its own -> the batch's first events are
    skipped after the failure (rows missing) -> fails."""
    found = projector(marks, storage)
    save(marks, "Martin", "Poison")
    with pytest.raises(RuntimeError):
        found.project_once()
    assert rows(storage, counts) == [] and positions(storage) == {"test.names": 0, "test.counts": 0}


def test_a_projection_ahead_of_the_others_applies_only_what_it_has_not(marks: Marks, storage: Storage) -> None:
    """After a rebuild one projection may be further on. Break: apply the whole batch to every
    projection -> Martin counted twice -> fails."""
    found = projector(marks, storage)
    save(marks, "Martin")
    found.project_once()
    save(marks, "Durand", "Petit")
    with storage.transaction() as session:  # what a rebuild of `counts` up to notification 2 leaves
        session.execute(counts.insert().values(name="Durand", seen=1))
        session.execute(projection_positions.update().where(projection_positions.c.projection == "test.counts")
                        .values(notification_id=2))
    found.project_once()
    assert rows(storage, counts) == [("Durand", 1), ("Martin", 1), ("Petit", 1)]
    assert sorted(r[1] for r in rows(storage, names)) == ["Durand", "Martin", "Petit"]


def test_a_projection_without_a_position_starts_from_an_empty_table(marks: Marks, storage: Storage) -> None:
    """A database from before local projections: the rows came through Kafka. Break: skip the
    emptying in `prepare` -> Martin seen twice -> fails."""
    names_md.create_all(storage.engine)
    with storage.transaction() as session:
        session.execute(counts.insert().values(name="Martin", seen=1))
    save(marks, "Martin")
    projector(marks, storage).project_once()
    assert rows(storage, counts) == [("Martin", 1)]


def test_a_save_wakes_the_running_projector(marks: Marks, storage: Storage) -> None:
    """Break: do not register the projector as a listener of the application -> the event
    waits for the idle poll (an hour here) -> fails."""
    found = projector(marks, storage, idle_poll_seconds=3600)

    async def scenario() -> list[tuple]:  # type: ignore[type-arg]
        running = asyncio.create_task(found.run())
        try:
            await asyncio.sleep(0)  # the projector registers itself and waits
            while not found._wakeup.bound or not positions(storage):
                await asyncio.sleep(0.01)
            await asyncio.to_thread(save, marks, "Martin")
            deadline = time.monotonic() + 10
            while not (seen := rows(storage, counts)) and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            return seen
        finally:
            running.cancel()

    assert asyncio.run(scenario()) == [("Martin", 1)]
