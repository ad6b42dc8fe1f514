"""The read-model rebuild engine on SQLite: own events from the notification log and consumed
events from topics (aiokafka's consumer replaced by one over `FakeKafka`) rebuilt into shadow
tables, then swapped in or compared with the live tables."""

from __future__ import annotations

import asyncio
import functools
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from platform_fakes import TOPIC, FakeKafka, FakeTopicConsumer, Mark, Marks, registered, translate

from ecovid_events import IntegrationEvent
from ecovid_platform.consumer import Projects
from ecovid_platform.projector import LocalProjector, Projection
from ecovid_platform.rebuild import Consumed, ReadModel, ServiceReadModels, engine, topics
from ecovid_platform.rebuild.engine import Outcome, rebuild
from ecovid_platform.storage import Storage
from ecovid_platform.tables import consumer_inbox, projection_positions

model_md = sa.MetaData()
# Own events: one row per registration, and a count per name that shows a second application.
own_names = sa.Table("rb_names", model_md, sa.Column("event_id", sa.String(36), primary_key=True),
                     sa.Column("name", sa.String(50), nullable=False), sa.Column("commune", sa.String(50)),
                     sa.Index("ix_rb_names_name", "name"))
own_counts = sa.Table("rb_counts", model_md, sa.Column("name", sa.String(50), primary_key=True),
                      sa.Column("seen", sa.Integer, nullable=False))
# Consumed events: counted per name too (not idempotent on purpose).
visits = sa.Table("rb_visits", model_md, sa.Column("name", sa.String(50), primary_key=True),
                  sa.Column("seen", sa.Integer, nullable=False))

CONSUMER = "platform-test.visits"


def count(session: Any, table: sa.Table, name: str) -> None:
    if not session.execute(table.update().where(table.c.name == name).values(seen=table.c.seen + 1)).rowcount:
        session.execute(table.insert().values(name=name, seen=1))


def add_own(session: Any, event: IntegrationEvent) -> None:
    if event.payload.last_name == "Poison":
        raise RuntimeError("a handler that fails on this event")
    session.execute(own_names.insert().values(event_id=str(event.event_id), name=event.payload.last_name,
                                              commune=event.payload.commune))
    count(session, own_counts, event.payload.last_name)


VISITED: list[str] = []  # the order consumed events were applied in


def add_visit(session: Any, event: IntegrationEvent) -> None:
    VISITED.append(event.payload.last_name)
    count(session, visits, event.payload.last_name)


LOCAL = Projection("platform-test.names", {"PatientRegistered": Projects(add_own)})
CONSUMED = Consumed(CONSUMER, (TOPIC,), {"PatientRegistered": Projects(add_visit)})
NAMES = ReadModel("names", [own_names, own_counts], local=LOCAL)
VISITS = ReadModel("visits", [visits], consumed=CONSUMED)
BOTH = ReadModel("both", [own_names, own_counts, visits], local=LOCAL, consumed=CONSUMED)


class CountingMarks(Marks):
    """The application a rebuild opens: counts saves (a rebuild must make none)."""

    saves: ClassVar[list[Any]] = []
    configured: ClassVar[list[Any]] = []

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        CountingMarks.saves.append(objs)
        return super().save(*objs, **kwargs)


CATALOGUE = ServiceReadModels("platform-test", CountingMarks, translate, [NAMES, VISITS, BOTH],
                              configure=CountingMarks.configured.append)


@pytest.fixture
def live(storage: Storage, kafka: FakeKafka, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    storage.create_tables(model_md)
    monkeypatch.setattr(topics, "AIOKafkaConsumer", lambda **options: FakeTopicConsumer(kafka, **options))
    CountingMarks.saves.clear()
    CountingMarks.configured.clear()
    for partition in (0, 1):  # the consumed topic exists, with two partitions, before any record
        kafka.logs[TOPIC, partition] = []
    app = Marks(env=storage.eventsourcing_env())
    yield Live(app, storage, kafka)
    app.close()


class Live:
    """The service as it runs: its projector applies its own events, its consumer the topic's."""

    def __init__(self, app: Marks, storage: Storage, kafka: FakeKafka) -> None:
        self.app, self.storage, self.kafka = app, storage, kafka
        self.projector = LocalProjector(app=app, storage=storage, translate=translate, projections=[LOCAL])
        self.projector.prepare()

    def save(self, *names: str) -> None:
        for name in names:
            self.app.save(Mark(source_event_id=uuid.uuid4(), name=name))

    def project(self) -> None:
        while self.projector.project_once():
            pass

    def publish(self, *names: str, partition: int = 0) -> list[IntegrationEvent]:
        events = [registered(name) for name in names]
        for event in events:
            self.kafka.produce_event(event, partition=partition)
        return events

    def consume(self, events: list[IntegrationEvent]) -> None:
        """What the live consumer does: apply each event not in its inbox, and record it there."""
        with self.storage.transaction() as session:
            for event in events:
                known = session.execute(sa.select(consumer_inbox.c.event_id).where(
                    consumer_inbox.c.consumer == CONSUMER, consumer_inbox.c.event_id == str(event.event_id))).first()
                if known is None:
                    add_visit(session, event)
                    session.execute(consumer_inbox.insert().values(
                        consumer=CONSUMER, event_id=str(event.event_id), applied_at=datetime.now(UTC)))

    def rows(self, table: sa.Table) -> list[tuple[Any, ...]]:
        with self.storage.transaction() as session:
            return [tuple(r) for r in session.execute(sa.select(table).order_by(*table.primary_key.columns))]

    def snapshot(self, model: ReadModel) -> dict[str, list[tuple[Any, ...]]]:
        return {t.name: self.rows(t) for t in model.tables}

    def position(self) -> int | None:
        with self.storage.transaction() as session:
            return session.execute(sa.select(projection_positions.c.notification_id).where(
                projection_positions.c.projection == LOCAL.name)).scalar()

    def inbox(self) -> set[str]:
        with self.storage.transaction() as session:
            return set(session.execute(sa.select(consumer_inbox.c.event_id).where(
                consumer_inbox.c.consumer == CONSUMER)).scalars())

    def corrupt(self) -> None:
        """Rows a rebuild must put right: one changed, one lost, one too many."""
        with self.storage.transaction() as session:
            session.execute(own_counts.update().where(own_counts.c.name == "Martin").values(seen=7))
            session.execute(own_counts.delete().where(own_counts.c.name == "Durand"))
            session.execute(own_counts.insert().values(name="Ghost", seen=1))
            session.execute(visits.delete())

    def run(self, *names: str, verify: bool = False, **options: Any) -> list[Outcome]:
        return asyncio.run(rebuild(CATALOGUE, list(names), self.storage.settings, verify=verify, **options))


def shadow_files(storage: Storage) -> list[Path]:
    return sorted(storage.settings.data_dir.glob("*.shadow.*"))


# -- rebuild ------------------------------------------------------------------------------


def test_a_rebuild_gives_the_rows_of_the_live_read_model(live: Live) -> None:
    """Own events from the notification log and consumed events from the topic (one of them
    delivered twice, under two offsets) rebuild exactly the rows the live side made, which were
    then damaged; the projection's position and the consumer's inbox stay as they were. Break:
    drop the last notification of each fetched batch in `_apply_own` -> Petit missing -> fails;
    forget `self.applied` in `_apply_consumed` -> Leroy seen twice -> fails."""
    live.save("Martin", "Durand", "Martin", "Petit")
    live.project()
    consumed = live.publish("Leroy", "Moreau")
    live.kafka.produce_event(consumed[0], partition=1)  # re-published: same event id, new offset
    live.consume(consumed)
    before = live.snapshot(BOTH)
    assert before["rb_counts"] == [("Durand", 1), ("Martin", 2), ("Petit", 1)]
    live.corrupt()

    [outcome] = live.run("both")

    assert live.snapshot(BOTH) == before
    assert (outcome.own_events, outcome.consumed_events, outcome.records_read) == (4, 2, 3)
    assert outcome.swapped and not outcome.problems
    assert outcome.rows == {"rb_names": 4, "rb_counts": 3, "rb_visits": 2}
    assert live.position() == 4
    assert live.inbox() == {str(e.event_id) for e in consumed}
    live.project()  # the projector goes on after what the tables hold: nothing applied twice
    assert live.rows(own_counts) == before["rb_counts"]


def test_the_swap_keeps_the_live_tables_indexes_and_constraints(live: Live) -> None:
    """Break: swap by dropping the live table and re-creating it from the shadow
    (`CREATE TABLE ... AS SELECT`) -> the index and the primary key are gone -> fails."""
    live.save("Martin", "Durand")
    live.project()
    live.run("names")
    inspector = sa.inspect(live.storage.engine)
    assert [i["name"] for i in inspector.get_indexes("rb_names")] == ["ix_rb_names_name"]
    assert inspector.get_pk_constraint("rb_names")["constrained_columns"] == ["event_id"]
    [row] = [r for r in live.rows(own_names) if r[1] == "Martin"]
    with pytest.raises(sa.exc.IntegrityError), live.storage.transaction() as session:
        session.execute(own_names.insert().values(event_id=row[0], name="Copy"))


def test_readers_see_the_old_rows_until_the_swap_commits(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    """Taken between the swap and its commit, a reader's view is the old table, whole.
    Break: commit after each table's swap (or swap outside `holding_writers`) -> the reader
    sees the new rows, or an empty table -> fails."""
    live.save("Martin", "Durand")
    live.project()
    live.corrupt()
    damaged = live.snapshot(NAMES)
    seen = {}
    record_position = engine.record_position

    def reading_mid_swap(connection: Any, *args: Any, **kwargs: Any) -> None:
        seen.update(live.snapshot(NAMES))  # another connection, as the live API's
        record_position(connection, *args, **kwargs)

    monkeypatch.setattr(engine, "record_position", reading_mid_swap)
    live.run("names")
    assert seen == damaged
    assert live.rows(own_counts) == [("Durand", 1), ("Martin", 1)]


def test_a_swap_that_fails_half_way_leaves_the_live_tables_whole(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    """The swap, the position and the inbox are one transaction. Break: COMMIT in
    `holding_writers` whatever happened -> the damaged rows are replaced though the rebuild
    failed -> fails."""
    live.save("Martin", "Durand")
    live.project()
    live.corrupt()
    damaged = live.snapshot(NAMES)

    def failing(*args: Any, **kwargs: Any) -> None:
        raise sa.exc.OperationalError("UPDATE projection_positions", {}, Exception("disk I/O error"))

    monkeypatch.setattr(engine, "record_position", failing)
    with pytest.raises(sa.exc.OperationalError):
        live.run("names")
    assert live.snapshot(NAMES) == damaged and live.position() == 2
    assert shadow_files(live.storage) == []
    live.save("Petit")
    live.project()  # the database is not left locked
    assert ("Petit", 1) in live.rows(own_counts)


def test_a_handler_failing_in_the_replay_stops_the_rebuild_and_leaves_the_live_tables(live: Live) -> None:
    """The error reaches the operator; no swap, no shadow file left. Break: swallow the error in
    `Shadow.batch` (ROLLBACK without raise) -> the rebuild swaps in a read model without the
    failed batch -> fails."""
    live.save("Martin")
    live.project()
    live.corrupt()
    damaged = live.snapshot(NAMES)
    live.save("Poison")
    with pytest.raises(RuntimeError, match="fails on this event"):
        live.run("names")
    assert live.snapshot(NAMES) == damaged and live.position() == 1
    assert shadow_files(live.storage) == []


def test_the_topics_are_read_while_the_own_events_are_replayed(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader starts (and waits on the broker) during the own replay, not after it.
    Break: replay the own events before starting the reading task -> fails."""
    live.save("Martin")
    live.project()
    live.consume(live.publish("Leroy"))
    reader_started, seen_during_replay = threading.Event(), []
    start, apply_own = topics.TopicReader.start, engine.Rebuild._apply_own

    async def start_and_tell(self: topics.TopicReader) -> None:
        await start(self)
        reader_started.set()

    def apply_own_once_started(self: engine.Rebuild, session: Any, notifications: Any) -> None:
        seen_during_replay.append(reader_started.wait(timeout=5))
        apply_own(self, session, notifications)

    monkeypatch.setattr(topics.TopicReader, "start", start_and_tell)
    monkeypatch.setattr(engine.Rebuild, "_apply_own", apply_own_once_started)
    (outcome,) = live.run("both")
    assert seen_during_replay == [True] and (outcome.own_events, outcome.consumed_events) == (1, 1)


def test_a_topic_read_failing_during_the_own_replay_stops_the_rebuild(
        live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    """The topics are read while the own events are replayed (in a thread): a broker failing
    then stops the rebuild with that error, the live tables as they were, the shadow gone.
    Break: skip a failure handed over by the reading task (`continue` for `raise batch` in
    `_replay`) -> the rebuild swaps in a read model without the consumed events -> fails."""
    live.save("Martin", "Durand")
    live.project()
    live.consume(live.publish("Leroy"))
    before = live.snapshot(BOTH)

    to_end, failed = topics.TopicReader.to_end, []

    async def broker_gone_once(self: topics.TopicReader) -> Any:
        if not failed:
            failed.append(True)
            raise ConnectionError("broker gone")
        async for batch in to_end(self):  # the catch-up's read, as before
            yield batch

    monkeypatch.setattr(topics.TopicReader, "to_end", broker_gone_once)
    with pytest.raises(ConnectionError, match="broker gone"):
        live.run("both")
    assert live.snapshot(BOTH) == before and live.position() == 2
    assert shadow_files(live.storage) == []


def test_a_rebuild_saves_nothing_and_publishes_nothing(live: Live) -> None:
    """Only `Projects` handlers run: the event store and the topics are as before, and the
    application the rebuild opened was configured like the service's and saved nothing.
    Break: apply through the application (`app.save` of a mark per event) -> fails."""
    live.save("Martin")
    live.project()
    live.consume(live.publish("Leroy"))
    notifications = live.app.recorder.max_notification_id()
    records = {key: list(log) for key, log in live.kafka.logs.items()}
    live.run()
    assert live.app.recorder.max_notification_id() == notifications
    assert {key: list(log) for key, log in live.kafka.logs.items()} == records
    assert CountingMarks.saves == [] and len(CountingMarks.configured) == 1
    assert shadow_files(live.storage) == []


def test_progress_is_reported_per_stage(live: Live) -> None:
    """The CLI's bars: each stage announced with its total, then advanced up to it.
    Break: report progress once per replay instead of per batch, or never announce the
    consumed stage -> fails."""
    live.save("Martin", "Durand", "Petit")
    live.project()
    live.publish("Leroy", "Moreau")
    calls: list[tuple[str, int, int | None]] = []
    live.run("both", progress=lambda *call: calls.append(call))
    stages: dict[str, list[int]] = {}
    totals = {}
    for stage, advance, total in calls:
        stages.setdefault(stage, []).append(advance)
        if total is not None:
            totals[stage] = total
    assert totals == {"own events": 3, "consumed events": 2}
    assert sum(stages["own events"]) == 3 and sum(stages["consumed events"]) == 2


def test_own_events_saved_during_the_replay_are_caught_up_before_the_swap(
        live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    """The projector applied events saved after the replay's end (its position P > N): the
    shadow applies (N, P] under the lock. Break: skip `_replay_own` in `_finish` -> Petit is
    lost by the swap -> fails."""
    live.save("Martin", "Durand")
    live.project()
    finish = engine.Rebuild._finish

    async def after_the_replay(self: engine.Rebuild, **kwargs: Any) -> None:
        live.save("Petit", "Martin")
        live.project()
        await finish(self, **kwargs)

    monkeypatch.setattr(engine.Rebuild, "_finish", after_the_replay)
    [outcome] = live.run("names")
    assert live.rows(own_counts) == [("Durand", 1), ("Martin", 2), ("Petit", 1)]
    assert outcome.own_events == 4 and live.position() == 4


def test_a_lagging_projector_finds_the_rebuild_ahead_and_applies_nothing_twice(live: Live) -> None:
    """The projector had applied 1 of 3 events (P < N): the swap takes the position to N.
    Break: record the projector's position P instead of max(N, P) -> the projector applies
    Durand and Petit again -> counts 2 -> fails."""
    live.save("Martin")
    live.project()
    live.save("Durand", "Petit")
    live.run("names")
    assert live.position() == 3
    live.project()
    assert live.rows(own_counts) == [("Durand", 1), ("Martin", 1), ("Petit", 1)]


def test_a_projection_without_a_position_gets_one(live: Live) -> None:
    """A read model rebuilt before its projector ever ran (no position row). Break: update the
    position as if it were known -> no row is written, the projector starts from 0 and applies
    every event a second time -> fails."""
    with live.storage.transaction() as session:
        session.execute(projection_positions.delete())
    live.save("Martin", "Durand")
    live.run("names")
    assert live.position() == 2


def test_consumed_events_applied_live_during_the_replay_are_caught_up(
        live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    """The live consumer applied an event produced after the replay's end: the inbox names it,
    the shadow reads it from the topic under the lock; an event the shadow met that the consumer
    has not applied yet goes into the inbox, so the consumer skips it later. Break: skip
    `_catch_up_consumed` -> Petit lost; skip `_adopt_inbox` -> Moreau counted twice -> fails."""
    early = live.publish("Martin", "Durand", "Moreau")
    live.consume(early[:2])
    finish = engine.Rebuild._finish

    async def after_the_replay(self: engine.Rebuild, **kwargs: Any) -> None:
        late = live.publish("Petit", partition=1)
        live.consume(late)
        await finish(self, **kwargs)

    monkeypatch.setattr(engine.Rebuild, "_finish", after_the_replay)
    [outcome] = live.run("visits")
    monkeypatch.undo()
    assert live.rows(visits) == [("Durand", 1), ("Martin", 1), ("Moreau", 1), ("Petit", 1)]
    assert outcome.consumed_events == 4
    live.consume(early)  # the consumer reaches Moreau: already in the table, skipped
    assert live.rows(visits) == [("Durand", 1), ("Martin", 1), ("Moreau", 1), ("Petit", 1)]


# -- verify -------------------------------------------------------------------------------


def test_verify_passes_on_an_intact_read_model_and_changes_nothing(live: Live) -> None:
    """Break: let `_apply_consumed` mark events applied without running their handlers ->
    Leroy's visit reported missing from the rebuild -> fails."""
    live.save("Martin", "Durand")
    live.project()
    live.consume(live.publish("Leroy"))
    [outcome] = live.run("both", verify=True)
    assert outcome.differences == [] and outcome.problems == [] and not outcome.swapped
    assert outcome.rows == {"rb_names": 2, "rb_counts": 2, "rb_visits": 1}
    assert shadow_files(live.storage) == []


def test_verify_reports_a_differing_a_missing_and_an_extra_row_and_repairs_nothing(live: Live) -> None:
    """Break: compare rows without their `seen` column -> Martin's 7 passes -> fails; compare
    only the keys the live table has -> Durand (missing) passes -> fails; roll back nothing ->
    the live rows are repaired by a verify -> fails."""
    live.save("Martin", "Durand")
    live.project()
    live.consume(live.publish("Leroy"))
    live.corrupt()
    damaged = live.snapshot(BOTH)
    [outcome] = live.run("both", verify=True)
    found = {(d.table, d.key): (d.live, d.rebuilt) for d in outcome.differences}
    assert found == {
        ("rb_counts", ("Martin",)): ({"name": "Martin", "seen": 7}, {"name": "Martin", "seen": 1}),
        ("rb_counts", ("Durand",)): (None, {"name": "Durand", "seen": 1}),
        ("rb_counts", ("Ghost",)): ({"name": "Ghost", "seen": 1}, None),
        ("rb_visits", ("Leroy",)): (None, {"name": "Leroy", "seen": 1}),
    }
    assert live.snapshot(BOTH) == damaged and not outcome.swapped


def test_verify_waits_for_a_lagging_projector_then_compares(live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    """The live side behind the shadow is not a difference: verify waits for it (the wait's
    sleep is where the projector here catches up). Break: compare at once -> Durand and Petit
    reported missing -> fails; catch up the shadow only -> never equal -> fails."""
    live.save("Martin")
    live.project()
    live.save("Durand", "Petit")
    waits = []

    async def projector_runs(seconds: float) -> None:
        waits.append(seconds)
        live.project()

    monkeypatch.setattr(engine, "_pause", projector_runs)
    [outcome] = live.run("names", verify=True)
    assert len(waits) == 1 and outcome.differences == [] and outcome.problems == []


def test_verify_names_the_live_writers_still_behind_when_the_wait_ends(live: Live) -> None:
    """Break: compare anyway once the wait is over -> missing rows reported, no problem -> fails."""
    live.save("Martin", "Durand")
    live.project()
    live.save("Petit")
    live.publish("Leroy")  # never consumed
    [outcome] = live.run("both", verify=True, wait_seconds=0)
    assert outcome.differences == []
    [problem] = outcome.problems
    assert "platform-test.names at notification 2 of 3" in problem
    assert f"{CONSUMER} has 1 consumed events still to apply" in problem


def test_a_topic_the_broker_lost_records_of_stops_the_rebuild_and_is_named(
        live: Live, monkeypatch: pytest.MonkeyPatch) -> None:
    """A partition whose end is never reached (a broker that lost records) leaves the live
    tables as they are, rebuild and verify alike, with the partition named and what to do.
    Break: go on to `_finish` after a stalled read -> the rebuild swaps in tables without the
    lost events (and verify compares them) -> fails."""
    live.save("Martin")
    live.project()
    live.consume(live.publish("Leroy", "Moreau"))
    before = live.snapshot(BOTH)

    class LosingBroker(FakeTopicConsumer):
        async def end_offsets(self, partitions: list[Any]) -> dict[Any, int]:
            return {tp: end + 2 for tp, end in (await super().end_offsets(partitions)).items()}

        async def getmany(self, *partitions: Any, timeout_ms: int, max_records: int) -> dict[Any, list[Any]]:
            await asyncio.sleep(0.01)
            return await super().getmany(*partitions, timeout_ms=timeout_ms, max_records=max_records)

    monkeypatch.setattr(topics, "AIOKafkaConsumer", lambda **options: LosingBroker(live.kafka, **options))
    monkeypatch.setattr(engine, "TopicReader", functools.partial(topics.TopicReader, stall_seconds=0.2))
    live.corrupt()
    damaged = live.snapshot(BOTH)

    [rebuilt] = live.run("both")
    [verified] = live.run("both", verify=True, wait_seconds=0)

    assert not rebuilt.swapped and live.snapshot(BOTH) == damaged != before
    for outcome in (rebuilt, verified):
        assert outcome.differences == []
        assert [p for p in outcome.problems if "partition 0: nothing readable from offset 2 to its end 4" in p
                and "ecovid-ops republish" in p], outcome.problems


def test_consumed_events_are_applied_in_the_order_they_occurred_not_the_topics(live: Live) -> None:
    """A producer that re-published its log after a broker restart put its older events after
    newer ones: the rebuild applies them by when they occurred (each once). Break: apply them
    in the topics' order -> Petit before Martin -> fails."""
    now = datetime.now(UTC)
    martin, durand, petit = (registered(name).model_copy(update={"occurred_at": now + timedelta(seconds=n)})
                             for n, name in enumerate(("Martin", "Durand", "Petit")))
    for event in (petit, martin, durand, petit):  # written after the restart, then re-published
        live.kafka.produce_event(event)
    VISITED.clear()
    [outcome] = live.run("visits")
    assert VISITED == ["Martin", "Durand", "Petit"]
    assert outcome.consumed_events == 3


# -- the catalogue ------------------------------------------------------------------------


def test_every_read_model_when_none_is_named_and_a_clear_error_for_an_unknown_one(live: Live) -> None:
    """Break: rebuild only the first read model when none is named -> fails."""
    live.save("Martin")
    assert [o.read_model for o in live.run()] == ["names", "visits", "both"]
    with pytest.raises(KeyError, match="platform-test has no read model 'lists' \\(it has: names, visits, both\\)"):
        live.run("lists")
    with pytest.raises(ValueError, match="read model orphan is fed by nothing"):
        ReadModel("orphan", [visits])
