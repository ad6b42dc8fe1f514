"""Tamper evidence (ecovid_platform.chain) on SQLite: the chain's arithmetic, the sealer, the signed
checkpoints, and each kind of tampering found by the verifier with its position.

Each tampering test alters the event store's file (or the chain's) the way someone with the
database would, then expects the verifier's first problem: its kind and position.

Breaks (each made once, watched failing, restored):
- `links.link` leaves the notification id out of the hash -> test_the_link_binds_the_id... and
  test_the_content_bytes... fail.
- `Walk._walk` no longer compares the content hash -> every tampering test of the events fails
  (the verifier says "chain intact").
- the sealer signs the checkpoint of the previous head instead of the new one -> the checkpoint
  test fails on the hash, the verifier reports "rewritten" on an untouched chain (10 tests fail).
- `Walk._content` no longer looks for the content elsewhere -> the swapped and re-ordered tests
  fail ("altered").
- `Verifier.refusal` always None -> the forged checkpoint tests fail.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import sqlite3
import struct
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from platform_fakes import Mark, Marks

from ecovid_events import parse_event
from ecovid_platform.chain import links
from ecovid_platform.chain.keys import (
    DEVELOPMENT_KEY_ID,
    BadKey,
    Checkpoint,
    Signer,
    Verifier,
    key_id,
    new_key_pair,
    private_key_from,
    public_keys_from,
)
from ecovid_platform.chain.sealer import CheckpointRelay, Sealer, checkpoint_event, checkpoint_from
from ecovid_platform.chain.store import ChainStore, EventLog
from ecovid_platform.chain.verify import Report, verify
from ecovid_platform.outbox import read_position
from ecovid_platform.settings import ServiceSettings, refusal
from ecovid_platform.storage import Storage
from ecovid_platform.tables import chain_checkpoints, event_chain

SERVICE = "platform-test"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def sealer_for(marks: Marks, storage: Storage, clock: Clock, signer: Signer | None = None, **options: Any) -> Sealer:
    return Sealer(service=SERVICE, app=marks, storage=storage, signer=signer or Signer(SERVICE, None), clock=clock,
                  **{"checkpoint_records": 4, "checkpoint_seconds": 60.0, "batch_size": 3, **options})


def save(marks: Marks, count: int) -> None:
    for n in range(count):
        marks.save(Mark(source_event_id=uuid.uuid4(), name=f"mark {n}"))


def seal_all(sealer: Sealer) -> None:
    while sealer.seal_once():
        pass


def check(marks: Marks, storage: Storage, verifier: Verifier | None = None, **options: Any) -> Report:
    return verify(SERVICE, EventLog(marks), ChainStore(storage, SERVICE), verifier or Verifier.for_development(),
                  batch_size=3, **options)


@pytest.fixture
def sealed(marks: Marks, storage: Storage, clock: Clock) -> Marks:
    """12 events, sealed by batches of 3, checkpoints at 6 and 12 (every 4 records: at the batch's end)."""
    save(marks, 12)
    seal_all(sealer_for(marks, storage, clock))
    return marks


@pytest.fixture
def events_db(storage: Storage) -> Iterator[sqlite3.Connection]:
    """The event store's file, as someone with the database would open it."""
    connection = sqlite3.connect(storage.settings.data_dir / f"{SERVICE}.events.sqlite3")
    yield connection
    connection.close()


def rows(events_db: sqlite3.Connection) -> dict[int, tuple[Any, ...]]:
    found = events_db.execute("SELECT rowid, originator_id, originator_version, topic, state FROM stored_events")
    return {row[0]: row[1:] for row in found}


def problem_of(report: Report) -> tuple[str, int, int | None]:
    assert report.problem is not None, report.line()
    return report.problem.kind, report.problem.position, report.problem.other


# -- the arithmetic -----------------------------------------------------------------------------

def test_the_content_bytes_and_the_links_are_as_documented() -> None:
    originator = uuid.UUID("12345678-1234-5678-1234-567812345678")
    data = links.content(originator, 3, "mod:Thing.Made", b'{"a":1}')
    assert data == originator.bytes + struct.pack(">qi", 3, 14) + b"mod:Thing.Made" + b'{"a":1}'
    assert links.content(originator.hex, 3, "mod:Thing.Made", b'{"a":1}') == data  # SQLite keeps hex text
    start = links.genesis(SERVICE)
    assert start == hashlib.sha256(b"e-COVID tamper-evidence chain, version 1, of service platform-test").digest()
    assert start != links.genesis("another-service")
    digest = hashlib.sha256(data).digest()
    expected = hashlib.sha256(start + (7).to_bytes(8, "big") + digest).digest()
    assert links.link(start, 7, digest) == expected
    other = hashlib.sha256(b"x").digest()
    assert links.chain(start, [(7, data), (9, b"x")]) == [(7, digest, expected),
                                                          (9, other, links.link(expected, 9, other))]


def test_the_link_binds_the_id_and_the_previous_hash() -> None:
    digest = links.content_hash(b"same content")
    start = links.genesis(SERVICE)
    assert links.link(start, 1, digest) != links.link(start, 2, digest)
    assert links.link(start, 1, digest) != links.link(links.genesis("other"), 1, digest)


# -- the sealer ---------------------------------------------------------------------------------

def chained(storage: Storage) -> list[tuple[int, bytes, bytes]]:
    with storage.transaction() as session:
        return [(r[0], bytes(r[1]), bytes(r[2])) for r in session.execute(
            sa.select(event_chain.c.notification_id, event_chain.c.content_hash, event_chain.c.hash)
            .order_by(event_chain.c.notification_id))]


def test_the_sealer_chains_every_event_in_order_and_resumes_from_the_head(
    marks: Marks, storage: Storage, clock: Clock,
) -> None:
    """Break: the sealer starts each batch from the genesis hash -> the links from the second batch
    on differ from the chain computed at once, fails."""
    save(marks, 6)
    sealer = sealer_for(marks, storage, clock)
    assert sealer.seal_once() == 3 and sealer.seal_once() == 3 and sealer.seal_once() == 0
    save(marks, 3)
    seal_all(sealer_for(marks, storage, clock))  # a new process: from the chain's head
    stored = EventLog(marks).read(0)
    assert [r[0] for r in stored] == list(range(1, 10))
    assert chained(storage) == links.chain(links.genesis(SERVICE), stored)


def test_a_checkpoint_every_n_records_or_t_seconds_signed_and_only_when_the_head_moved(
    marks: Marks, storage: Storage, clock: Clock,
) -> None:
    """Break: `_checkpoint` ignores the time -> no checkpoint at 13, fails; ignores "the head
    moved" -> a second checkpoint at 13, fails."""
    save(marks, 12)
    sealer = sealer_for(marks, storage, clock)
    seal_all(sealer)
    store = ChainStore(storage, SERVICE)
    assert [c.notification_id for c in store.checkpoints()] == [6, 12]  # every 4 records, by batches of 3
    save(marks, 1)
    sealer.seal_once()
    assert [c.notification_id for c in store.checkpoints()] == [6, 12]  # 1 record, no time yet
    clock.now += timedelta(seconds=61)
    sealer.seal_once()
    clock.now += timedelta(seconds=61)
    sealer.seal_once()  # nothing new: no checkpoint
    checkpoints = store.checkpoints()
    assert [c.notification_id for c in checkpoints] == [6, 12, 13]
    head = {i: h for i, _, h in chained(storage)}
    verifier = Verifier.for_development()
    for checkpoint in checkpoints:
        assert checkpoint.hash == head[checkpoint.notification_id]
        assert verifier.refusal(checkpoint, SERVICE) is None
    assert checkpoints[-1].signed_at == clock.now - timedelta(seconds=61)


def test_two_sealers_never_write_two_chains(marks: Marks, storage: Storage, clock: Clock) -> None:
    """Break: the sealer's insert becomes an upsert -> the second sealer's (equal) links pass
    silently; the test expects the key to refuse them."""
    save(marks, 3)
    first, second = sealer_for(marks, storage, clock), sealer_for(marks, storage, clock)
    second.seal_once()  # reads the head (nothing) and seals 3
    first._head = (0, links.genesis(SERVICE))  # as if it had read the head before
    with pytest.raises(sa.exc.IntegrityError):
        first.seal_once()
    assert len(chained(storage)) == 3


async def test_the_sealer_runs_woken_by_saves_and_warns_about_the_development_key(
    marks: Marks, storage: Storage, clock: Clock,
) -> None:
    sealer = sealer_for(marks, storage, clock, idle_poll_seconds=5.0)
    with structlog.testing.capture_logs() as logged:
        running = asyncio.create_task(sealer.run())
        try:
            await asyncio.sleep(0.1)
            save(marks, 2)
            await _until(lambda: len(chained(storage)) == 2)  # within the 5 s poll: woken by the save
        finally:
            running.cancel()
    assert any("DEVELOPMENT key" in entry["event"] for entry in logged)


async def test_a_database_away_pauses_the_sealer_and_a_defect_stops_it(
    marks: Marks, storage: Storage, clock: Clock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    save(marks, 2)
    sealer = sealer_for(marks, storage, clock, idle_poll_seconds=0.05)
    failures = [sa.exc.OperationalError("SELECT", {}, Exception("database is locked"))]
    real = sealer.log.read

    def flaky(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return real(*args, **kwargs)

    monkeypatch.setattr(sealer.log, "read", flaky)
    running = asyncio.create_task(sealer.run())
    try:
        await _until(lambda: len(chained(storage)) == 2)
    finally:
        running.cancel()
    monkeypatch.setattr(sealer.log, "read", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        await asyncio.wait_for(sealer.run(), 5)


# -- the verifier: intact, then each tampering ----------------------------------------------------

def test_an_untouched_chain_is_intact(sealed: Marks, storage: Storage) -> None:
    save(sealed, 2)  # not sealed yet: counted, not judged
    report = check(sealed, storage)
    assert report.intact and report.records == 12 and report.head == 12 and report.unsealed == 2
    assert report.last_checkpoint is not None and report.last_checkpoint.notification_id == 12
    assert report.checkpoints == 2 and report.after_last_checkpoint == 0 and report.development_key
    assert report.line().startswith("platform-test: chain intact: 12 records, head 12, last checkpoint at 12 ")


def test_an_altered_state_is_found_at_its_position(sealed: Marks, storage: Storage,
                                                   events_db: sqlite3.Connection) -> None:
    events_db.execute("UPDATE stored_events SET state = replace(state, 'mark 6', 'mark 9') WHERE rowid = 7")
    events_db.commit()
    assert problem_of(check(sealed, storage)) == ("altered", 7, None)
    assert check(sealed, storage).line() == (
        "TAMPERED platform-test: altered at 7: stored event 7's content differs from what was sealed")


@pytest.mark.parametrize("column", ["originator_id", "originator_version", "topic"])
def test_any_altered_column_is_found(sealed: Marks, storage: Storage, events_db: sqlite3.Connection,
                                     column: str) -> None:
    value = {"originator_id": uuid.uuid4().hex, "originator_version": 2, "topic": "x:Other.v1"}[column]
    events_db.execute(f"UPDATE stored_events SET {column} = ? WHERE rowid = 5", (value,))
    events_db.commit()
    assert problem_of(check(sealed, storage))[:2] == ("altered", 5)


def test_a_deleted_row_is_found(sealed: Marks, storage: Storage, events_db: sqlite3.Connection) -> None:
    events_db.execute("DELETE FROM stored_events WHERE rowid = 4")
    events_db.commit()
    assert problem_of(check(sealed, storage)) == ("deleted", 4, None)


def test_the_last_rows_deleted_are_found_by_the_checkpoint(sealed: Marks, storage: Storage,
                                                           events_db: sqlite3.Connection) -> None:
    """The tail removed from the events and the chain: the checkpoint at 12 names a record gone."""
    events_db.execute("DELETE FROM stored_events WHERE rowid > 10")
    events_db.commit()
    with storage.transaction() as session:
        session.execute(event_chain.delete().where(event_chain.c.notification_id > 10))
    assert problem_of(check(sealed, storage)) == ("deleted", 12, None)


def test_a_row_removed_from_the_events_and_the_chain_is_found(sealed: Marks, storage: Storage,
                                                              events_db: sqlite3.Connection) -> None:
    events_db.execute("DELETE FROM stored_events WHERE rowid = 3")
    events_db.commit()
    with storage.transaction() as session:
        session.execute(event_chain.delete().where(event_chain.c.notification_id == 3))
    assert problem_of(check(sealed, storage)) == ("deleted", 3, 4)


def test_an_inserted_row_is_found(marks: Marks, storage: Storage, clock: Clock,
                                  events_db: sqlite3.Connection) -> None:
    """A gap in the ids (a rolled-back insert spends one) filled after sealing."""
    save(marks, 3)
    events_db.execute("INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state)"
                      " VALUES (5, ?, 1, 'x', x'00')", (uuid.uuid4().hex,))
    events_db.commit()
    save(marks, 3)  # 6, 7, 8
    events_db.execute("DELETE FROM stored_events WHERE rowid = 5")
    events_db.commit()
    seal_all(sealer_for(marks, storage, clock))
    assert check(marks, storage).intact  # a gap is no tampering
    forged = rows(events_db)[2]
    events_db.execute("INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state)"
                      " VALUES (5, ?, 9, ?, ?)", (forged[0], forged[2], forged[3]))
    events_db.commit()
    assert problem_of(check(marks, storage)) == ("inserted", 5, None)


def test_a_row_inserted_below_the_first_is_found(sealed: Marks, storage: Storage,
                                                 events_db: sqlite3.Connection) -> None:
    events_db.execute("INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state)"
                      " VALUES (-1, ?, 1, 'x', x'00')", (uuid.uuid4().hex,))
    events_db.commit()
    assert problem_of(check(sealed, storage)) == ("inserted", -1, None)


def test_two_swapped_rows_are_found_with_both_positions(sealed: Marks, storage: Storage,
                                                        events_db: sqlite3.Connection) -> None:
    for rowid, temporary in ((3, 1000), (9, 3), (1000, 9)):
        events_db.execute("UPDATE stored_events SET rowid = ? WHERE rowid = ?", (temporary, rowid))
    events_db.commit()
    assert problem_of(check(sealed, storage)) == ("swapped", 3, 9)


def test_rows_moved_round_are_found_re_ordered(sealed: Marks, storage: Storage,
                                               events_db: sqlite3.Connection) -> None:
    for rowid, temporary in ((2, 1000), (5, 2), (8, 5), (1000, 8)):  # 2 <- 5 <- 8 <- 2
        events_db.execute("UPDATE stored_events SET rowid = ? WHERE rowid = ?", (temporary, rowid))
    events_db.commit()
    assert problem_of(check(sealed, storage)) == ("re-ordered", 2, 5)


def test_an_altered_link_is_found(sealed: Marks, storage: Storage, events_db: sqlite3.Connection) -> None:
    """The event altered and its content hash in the chain too, the links left: the chain breaks there."""
    events_db.execute("UPDATE stored_events SET state = replace(state, 'mark 5', 'mark 0') WHERE rowid = 6")
    events_db.commit()
    data = EventLog(sealed).read(5, 1)[0][1]
    with storage.transaction() as session:
        session.execute(event_chain.update().where(event_chain.c.notification_id == 6)
                        .values(content_hash=links.content_hash(data)))
    assert problem_of(check(sealed, storage)) == ("chain altered", 6, None)


def test_a_chain_rewritten_after_the_fact_is_found_by_the_next_checkpoint(
    sealed: Marks, storage: Storage, events_db: sqlite3.Connection,
) -> None:
    """Event 10 altered and the chain recomputed from it, all consistent, but without the key."""
    events_db.execute("UPDATE stored_events SET state = replace(state, 'mark 9', 'mark 1') WHERE rowid = 10")
    events_db.commit()
    rewrite_chain(sealed, storage)
    report = check(sealed, storage)
    assert problem_of(report) == ("rewritten", 12, None)
    assert "after the checkpoint at 6, which matches" in report.line()


def rewrite_chain(marks: Marks, storage: Storage) -> None:
    new = links.chain(links.genesis(SERVICE), EventLog(marks).read(0))
    with storage.transaction() as session:
        session.execute(event_chain.delete())
        session.execute(event_chain.insert(), [
            {"notification_id": i, "content_hash": c, "hash": h, "chained_at": datetime.now(UTC)} for i, c, h in new])


def test_the_first_problem_is_reported(sealed: Marks, storage: Storage, events_db: sqlite3.Connection) -> None:
    events_db.execute("DELETE FROM stored_events WHERE rowid = 11")
    events_db.execute("UPDATE stored_events SET state = x'00' WHERE rowid = 5")
    events_db.commit()
    assert problem_of(check(sealed, storage))[:2] == ("altered", 5)


# -- checkpoints: forged, from another key, published ----------------------------------------------

def add_checkpoint(storage: Storage, checkpoint: Checkpoint) -> None:
    with storage.transaction() as session:
        session.execute(chain_checkpoints.delete().where(
            chain_checkpoints.c.notification_id == checkpoint.notification_id))
        session.execute(chain_checkpoints.insert().values(
            notification_id=checkpoint.notification_id, hash=checkpoint.hash, signed_at=checkpoint.signed_at,
            key_id=checkpoint.key_id, signature=checkpoint.signature))


def test_a_forged_checkpoint_is_refused(sealed: Marks, storage: Storage) -> None:
    """Signed by another key, presented under the development key's id: the signature fails."""
    link = ChainStore(storage).link_at(10)
    assert link is not None
    forged = Signer(SERVICE, Ed25519PrivateKey.generate()).sign(10, link[2], datetime.now(UTC))
    add_checkpoint(storage, Checkpoint(SERVICE, 10, link[2], forged.signed_at, DEVELOPMENT_KEY_ID, forged.signature))
    report = check(sealed, storage)
    assert problem_of(report) == ("checkpoint invalid", 10, None)
    assert "signature invalid" in report.line()


def test_a_checkpoint_by_an_unknown_key_or_for_another_service_is_refused(sealed: Marks, storage: Storage) -> None:
    link = ChainStore(storage).link_at(10)
    assert link is not None
    add_checkpoint(storage, Signer(SERVICE, Ed25519PrivateKey.generate()).sign(10, link[2], datetime.now(UTC)))
    assert "unknown key" in check(sealed, storage).line()
    other = Signer("other-service", None).sign(10, link[2], datetime.now(UTC))
    assert Verifier.for_development().refusal(other, SERVICE) == "signed for service 'other-service'"


def test_the_service_key_verifies_and_the_development_key_does_not(
    marks: Marks, storage: Storage, clock: Clock,
) -> None:
    key = Ed25519PrivateKey.generate()
    save(marks, 6)
    seal_all(sealer_for(marks, storage, clock, signer=Signer(SERVICE, key)))
    assert check(marks, storage, Verifier([key.public_key()])).intact
    assert problem_of(check(marks, storage))[0] == "checkpoint invalid"


def test_a_rewritten_chain_with_its_checkpoints_deleted_is_found_by_the_published_copies(
    sealed: Marks, storage: Storage, events_db: sqlite3.Connection,
) -> None:
    published = ChainStore(storage).checkpoints()
    events_db.execute("UPDATE stored_events SET state = x'00' WHERE rowid = 2")
    events_db.commit()
    rewrite_chain(sealed, storage)
    with storage.transaction() as session:
        session.execute(chain_checkpoints.delete())
    assert check(sealed, storage).intact  # the table alone cannot tell
    assert problem_of(check(sealed, storage, published=published)) == ("rewritten", 6, None)


def test_a_published_checkpoint_missing_from_the_table_is_reported(sealed: Marks, storage: Storage) -> None:
    published = ChainStore(storage).checkpoints()
    with storage.transaction() as session:
        session.execute(chain_checkpoints.delete().where(chain_checkpoints.c.notification_id == 12))
    assert problem_of(check(sealed, storage, published=published)) == ("checkpoint deleted", 12, None)
    assert check(sealed, storage, published=published[:1]).intact


# -- publication on ops.checkpoints ---------------------------------------------------------------

class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes | None]] = []
        self.client = SimpleNamespace(force_metadata_update=self._metadata)
        self.fail_start = 0

    async def start(self) -> None:
        if self.fail_start:
            self.fail_start -= 1
            raise ConnectionError("broker away")

    async def stop(self) -> None:
        return None

    async def _metadata(self) -> bool:
        return True

    async def send(self, topic: str, value: bytes, *, key: bytes | None, headers: Any) -> Any:
        self.sent.append((topic, value, key))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


async def test_checkpoints_are_published_once_in_order_and_verify_from_the_topic(
    sealed: Marks, storage: Storage,
) -> None:
    """Break: the relay does not record its position -> the second pass sends them again, fails."""
    producer = FakeProducer()
    relay = CheckpointRelay(service=SERVICE, storage=storage, bootstrap="unused:9092",
                            producer_factory=lambda: producer)
    assert await relay.publish_once(producer) == 2
    assert await relay.publish_once(producer) == 0
    assert read_position(storage, f"{SERVICE}.checkpoints") == 12
    events = [parse_event(value) for topic, value, _ in producer.sent]
    assert [t for t, _, _ in producer.sent] == ["ops.checkpoints"] * 2
    copies = [checkpoint_from(e) for e in events]  # type: ignore[arg-type]
    assert copies == ChainStore(storage).checkpoints()
    assert all(Verifier.for_development().refusal(c, SERVICE) is None for c in copies)
    assert events[0].event_id == checkpoint_event(copies[0]).event_id  # the same id when sent again


async def test_the_checkpoint_relay_waits_out_a_broker_away(sealed: Marks, storage: Storage) -> None:
    producer = FakeProducer()
    producer.fail_start = 1
    relay = CheckpointRelay(service=SERVICE, storage=storage, bootstrap="unused:9092",
                            producer_factory=lambda: producer, idle_poll_seconds=0.05)
    running = asyncio.create_task(relay.run())
    try:
        await _until(lambda: len(producer.sent) == 2)
        relay.wake()
    finally:
        running.cancel()


# -- keys and settings ---------------------------------------------------------------------------

def test_keys_in_base64_or_pem() -> None:
    private, public = new_key_pair()
    key = private_key_from(private)
    assert key_id(public_keys_from(public)[0]) == key_id(key.public_key())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    assert key_id(private_key_from(pem).public_key()) == key_id(key.public_key())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    other = Ed25519PrivateKey.generate().public_key()
    other_pem = other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert len(public_keys_from(public_pem + other_pem.decode())) == 2
    assert len(public_keys_from(f"{public}, {base64.b64encode(bytes(32)).decode()}")) == 2


@pytest.mark.parametrize("text", ["not a key", base64.b64encode(bytes(31)).decode(),
                                  "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"])
def test_a_bad_key_is_refused_without_its_value(text: str) -> None:
    with pytest.raises(BadKey) as refused:
        private_key_from(text)
    assert text not in str(refused.value)


def test_production_needs_a_signing_key_and_development_warns(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    """Break: the production check removed -> production starts with the development key, fails."""
    from pydantic import ValidationError

    monkeypatch.setenv("ECOVID_ENVIRONMENT", "production")
    monkeypatch.setenv("ECOVID_INTERNAL_TOKEN", "a production token")
    with pytest.raises(ValidationError) as refused:
        ServiceSettings(data_dir=tmp_path, _env_file=None)
    assert refusal("documents", refused.value) == \
        "documents refuses to start: ECOVID_CHECKPOINT_SIGNING_KEY must be set in production"
    private, public = new_key_pair()
    monkeypatch.setenv("ECOVID_CHECKPOINT_SIGNING_KEY", private)
    settings = ServiceSettings(data_dir=tmp_path, _env_file=None)
    assert set(settings.checkpoint_verifier().keys) == {key_id(public_keys_from(public)[0])}
    monkeypatch.setenv("ECOVID_CHECKPOINT_SIGNING_KEY", "AAAA")
    with pytest.raises(ValidationError) as refused:
        ServiceSettings(data_dir=tmp_path, _env_file=None)
    assert refusal("documents", refused.value).startswith("documents refuses to start: ECOVID_CHECKPOINT_SIGNING_KEY: ")
    monkeypatch.delenv("ECOVID_ENVIRONMENT")
    monkeypatch.delenv("ECOVID_CHECKPOINT_SIGNING_KEY")
    monkeypatch.setenv("ECOVID_CHECKPOINT_PUBLIC_KEY", public)
    development = ServiceSettings(data_dir=tmp_path, _env_file=None)
    assert development.checkpoint_signer_key() is None
    assert not development.checkpoint_verifier().is_development
    monkeypatch.delenv("ECOVID_CHECKPOINT_PUBLIC_KEY")
    assert ServiceSettings(data_dir=tmp_path, _env_file=None).checkpoint_verifier().is_development


def test_a_sqlite_row_of_the_wrong_types_still_gives_bytes(sealed: Marks, storage: Storage,
                                                           events_db: sqlite3.Connection) -> None:
    events_db.execute("UPDATE stored_events SET originator_id = 'not a uuid', originator_version = 'x' "
                      "WHERE rowid = 2")
    events_db.commit()
    assert problem_of(check(sealed, storage))[:2] == ("altered", 2)


async def _until(condition: Any, timeout: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met")
        await asyncio.sleep(0.02)


def test_nothing_sealed_yet_is_intact_with_every_event_waiting(marks: Marks, storage: Storage) -> None:
    save(marks, 3)
    report = check(marks, storage)
    assert report.intact and report.records == 0 and report.unsealed == 3
    assert report.line() == ("platform-test: chain intact: 0 records, head none, no checkpoint yet; "
                             "0 after it, 3 not sealed yet")
