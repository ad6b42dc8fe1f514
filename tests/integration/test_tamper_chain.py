"""Tamper evidence on the real stack (PostgreSQL, tansu): every service's stored events are chained
and checkpointed; altering, deleting, inserting or swapping one row of the gateway's store (its
accounts and its audit trail) in PostgreSQL is reported by `ecovid-ops verify-chain` with its kind
and position, a chain rewritten consistently is caught by a signed checkpoint, and a forged
checkpoint is refused. Each tampering is undone afterwards (the stack is shared) and the chain is
intact again.

Breaks (each made once, watched failing, restored):
- PostgreSQL's content bytes in `chain.store` built without the topic's length -> the sealer's
  content hashes differ from `links.content`: test_the_database_builds_the_documented_bytes fails.
- `Walk._range` treats an event missing from the chain as a deletion -> the "inserted" case fails.
- `Verifier.refusal` always None -> the forged checkpoint case fails (the chain reads intact).
"""

from __future__ import annotations

import base64
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ecovid_platform.chain import links
from ecovid_platform.chain.keys import Signer, private_key_from, public_bytes

from ecovid_stack.ports import SERVICES
from ecovid_stack.stack import Stack

from tests.integration.support import CHECKPOINT_SIGNING_KEY, Api, eventually

SERVICE, EVENTS = "gateway", "gateway.gateway_events"
# One access record made to say DELETE where it said GET.
ALTER = (f"UPDATE {EVENTS} SET state = convert_to(replace(convert_from(state, 'UTF8'), 'GET', 'DELETE'), 'UTF8')"
         " WHERE notification_id = %s")


def ops(stack: Stack, service: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ecovid_ops", "verify-chain", service, *args],
                          env={**stack.service_env(service), **(env or {})}, capture_output=True, text=True,
                          timeout=120, check=False)


def connect(stack: Stack) -> psycopg.Connection[Any]:
    s = stack.config.postgres
    assert s is not None
    return psycopg.connect(host=s["POSTGRES_HOST"], port=int(s["POSTGRES_PORT"]), user=s["POSTGRES_USER"],
                           password=s["POSTGRES_PASSWORD"] or None, dbname=s["POSTGRES_DBNAME"], autocommit=True)


@dataclass
class Sealed:
    db: psycopg.Connection[Any]
    ids: list[int]  # the gateway's stored events, all sealed, all under a checkpoint
    gap: int  # an id spent by no stored event, below the head
    checkpoints: list[int]
    accesses: list[int]  # this module's GET access records

    def row(self, notification_id: int) -> tuple[Any, ...]:
        found = self.db.execute(f"SELECT originator_id, originator_version, topic, state FROM {EVENTS} "
                                "WHERE notification_id = %s", (notification_id,)).fetchone()
        assert found is not None
        return tuple(found)


@pytest.fixture(scope="module")
def sealed(pg_stack: Stack, care_team: tuple[Api, str]) -> Iterator[Sealed]:
    """Accesses to a patient through the API (each one a RecordAccess in the gateway's store), an id
    spent in the middle (as a rolled-back insert spends one), more accesses; then sealed and
    checkpointed."""
    api, _ = care_team
    patient = api.patient("Chaîne")
    for _ in range(4):
        api.ok("GET", f"/patients/{patient}/summary")
    db = connect(pg_stack)
    gap = db.execute(f"SELECT nextval(pg_get_serial_sequence('{EVENTS}', 'notification_id'))").fetchone()[0]
    for _ in range(4):
        api.ok("GET", f"/patients/{patient}/summary")
    head = db.execute(f"SELECT max(notification_id) FROM {EVENTS}").fetchone()[0]
    assert head > gap

    def under_a_checkpoint() -> bool:
        last = db.execute("SELECT max(notification_id) FROM gateway.chain_checkpoints").fetchone()[0]
        return last is not None and last >= head

    eventually(under_a_checkpoint, timeout=20)
    ids = [r[0] for r in db.execute(f"SELECT notification_id FROM {EVENTS} WHERE notification_id <= %s "
                                    "ORDER BY 1", (head,))]
    checkpoints = [r[0] for r in db.execute("SELECT notification_id FROM gateway.chain_checkpoints ORDER BY 1")]
    # This fixture's own accesses (GETs of the patient): the shared stack's store holds every
    # other test's events too, and the alteration below needs a record that says GET.
    accesses = [r[0] for r in db.execute(
        f"SELECT notification_id FROM {EVENTS} WHERE notification_id <= %s AND position(%s in "
        "convert_from(state, 'UTF8')) > 0 AND position('GET' in convert_from(state, 'UTF8')) > 0 ORDER BY 1",
        (head, patient))]
    assert len(accesses) >= 8, accesses
    yield Sealed(db, ids, gap, checkpoints, accesses)
    db.close()


def first_line(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout.strip().splitlines()[0] if done.stdout.strip() else f"(nothing; stderr: {done.stderr[-500:]})"


def test_every_service_is_chained_and_intact_against_its_published_checkpoints(
    pg_stack: Stack, sealed: Sealed,
) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = dict(zip(SERVICES, pool.map(lambda service: ops(pg_stack, service), SERVICES), strict=True))
    for service, result in done.items():
        assert result.returncode == 0, f"{service}: {first_line(result)} {result.stderr[-500:]}"
        assert first_line(result).startswith(f"{service}: chain intact: "), first_line(result)
    gateway = done[SERVICE]
    published = int(gateway.stderr.split(" of them read from ops.checkpoints")[0].rsplit("(", 1)[1])
    assert published >= 1, gateway.stderr  # the checkpoints reached ops.checkpoints and were checked


def test_an_operator_verifies_with_the_public_key_alone_even_in_production(pg_stack: Stack, sealed: Sealed) -> None:
    public = base64.b64encode(public_bytes(private_key_from(CHECKPOINT_SIGNING_KEY).public_key())).decode()
    env = {k: v for k, v in pg_stack.service_env(SERVICE).items() if k != "ECOVID_CHECKPOINT_SIGNING_KEY"}
    base = [sys.executable, "-m", "ecovid_ops", "verify-chain", SERVICE, "--no-broker"]
    done = subprocess.run(base, env={**env, "ECOVID_ENVIRONMENT": "production", "ECOVID_CHECKPOINT_PUBLIC_KEY": public,
                                     "ECOVID_INTERNAL_TOKEN": "a production token"},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and "chain intact" in done.stdout, done.stdout + done.stderr
    other = base64.b64encode(public_bytes(Ed25519PrivateKey.generate().public_key())).decode()
    done = subprocess.run(base, env={**env, "ECOVID_CHECKPOINT_PUBLIC_KEY": other}, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 1 and "checkpoint invalid" in done.stdout and "unknown key" in done.stdout


def test_the_database_builds_the_documented_bytes(sealed: Sealed) -> None:
    """What PostgreSQL's query hashed (the sealer's content hashes) is `links.content` of each row."""
    stored = dict(sealed.db.execute("SELECT notification_id, content_hash FROM gateway.event_chain").fetchall())
    for notification_id in sealed.ids:
        originator, version, topic, state = sealed.row(notification_id)
        assert stored[notification_id] == links.content_hash(links.content(originator, version, topic, state))


def alter(sealed: Sealed) -> tuple[Callable[[], Any], str]:
    n = sealed.accesses[len(sealed.accesses) // 2]
    state = sealed.row(n)[3]
    assert sealed.db.execute(ALTER, (n,)).rowcount == 1 and sealed.row(n)[3] != state
    return (lambda: sealed.db.execute(f"UPDATE {EVENTS} SET state = %s WHERE notification_id = %s", (state, n)),
            f"altered at {n}: stored event {n}'s content differs from what was sealed")


def delete(sealed: Sealed) -> tuple[Callable[[], Any], str]:
    n = sealed.ids[len(sealed.ids) // 3]
    row = sealed.row(n)
    sealed.db.execute(f"DELETE FROM {EVENTS} WHERE notification_id = %s", (n,))
    return (lambda: sealed.db.execute(f"INSERT INTO {EVENTS} (originator_id, originator_version, topic, state, "
                                      "notification_id) VALUES (%s, %s, %s, %s, %s)", (*row, n)),
            f"deleted at {n}: chained record {n} is missing from the stored events")


def insert(sealed: Sealed) -> tuple[Callable[[], Any], str]:
    _, _, topic, state = sealed.row(sealed.ids[-1])
    sealed.db.execute(f"INSERT INTO {EVENTS} (originator_id, originator_version, topic, state, notification_id) "
                      "VALUES (%s, 1, %s, %s, %s)", (uuid.uuid4(), topic, state, sealed.gap))
    return (lambda: sealed.db.execute(f"DELETE FROM {EVENTS} WHERE notification_id = %s", (sealed.gap,)),
            f"inserted at {sealed.gap}: stored event {sealed.gap} is not in the chain")


def swap(sealed: Sealed) -> tuple[Callable[[], Any], str]:
    n, m = sealed.ids[2], sealed.ids[-2]

    def exchange() -> None:
        for old, new in ((n, -1), (m, n), (-1, m)):
            sealed.db.execute(f"UPDATE {EVENTS} SET notification_id = %s WHERE notification_id = %s", (new, old))

    exchange()
    return exchange, f"swapped at {n}: stored events {n} and {m} exchanged their places"


def rewrite(sealed: Sealed) -> tuple[Callable[[], Any], str]:
    """Event n altered, and the chain recomputed from it by someone without the signing key."""
    n = sealed.ids[-3]
    state = sealed.row(n)[3]
    chain = sealed.db.execute("SELECT notification_id, content_hash, hash FROM gateway.event_chain "
                              "WHERE notification_id >= %s", (n,)).fetchall()
    sealed.db.execute(ALTER, (n,))
    rows = sealed.db.execute(f"SELECT notification_id, originator_id, originator_version, topic, state FROM {EVENTS} "
                             "ORDER BY notification_id").fetchall()
    for i, digest, chain_hash in links.chain(links.genesis(SERVICE), [(r[0], links.content(*r[1:])) for r in rows]):
        if i >= n:
            sealed.db.execute("UPDATE gateway.event_chain SET content_hash = %s, hash = %s WHERE notification_id = %s",
                              (digest, chain_hash, i))

    def restore() -> None:
        sealed.db.execute(f"UPDATE {EVENTS} SET state = %s WHERE notification_id = %s", (state, n))
        for i, digest, chain_hash in chain:
            sealed.db.execute("UPDATE gateway.event_chain SET content_hash = %s, hash = %s WHERE notification_id = %s",
                              (digest, chain_hash, i))

    at = min(c for c in sealed.checkpoints if c >= n)
    return restore, f"rewritten at {at}: the chain's hash at {at} differs from the one signed"


def forge(sealed: Sealed) -> tuple[Callable[[], Any], str]:
    """A checkpoint signed by another key, under the service key's id."""
    n = next(i for i in sealed.ids if i not in sealed.checkpoints)
    chain_hash = sealed.db.execute("SELECT hash FROM gateway.event_chain WHERE notification_id = %s",
                                   (n,)).fetchone()[0]
    genuine = Signer(SERVICE, private_key_from(CHECKPOINT_SIGNING_KEY))
    forged = Signer(SERVICE, Ed25519PrivateKey.generate()).sign(n, chain_hash, datetime.now(UTC))
    sealed.db.execute("INSERT INTO gateway.chain_checkpoints (notification_id, hash, signed_at, key_id, signature)"
                      " VALUES (%s, %s, %s, %s, %s)",
                      (n, chain_hash, forged.signed_at, genuine.key_id, forged.signature))
    return (lambda: sealed.db.execute("DELETE FROM gateway.chain_checkpoints WHERE notification_id = %s", (n,)),
            f"checkpoint invalid at {n}: the checkpoint at {n} is not genuine: signature invalid")


@pytest.mark.parametrize("tamper", [alter, delete, insert, swap, rewrite, forge], ids=lambda f: f.__name__)
def test_one_row_tampered_in_postgresql_is_reported_with_its_position(
    pg_stack: Stack, sealed: Sealed, tamper: Callable[[Sealed], tuple[Callable[[], Any], str]],
) -> None:
    undo, expected = tamper(sealed)
    try:
        found = ops(pg_stack, SERVICE)
    finally:
        undo()
    assert found.returncode == 1, first_line(found)
    assert first_line(found).startswith(f"TAMPERED {SERVICE}: {expected}"), first_line(found)
    again = ops(pg_stack, SERVICE, "--no-broker")
    assert again.returncode == 0 and "chain intact" in again.stdout, first_line(again)
