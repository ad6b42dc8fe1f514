"""`ecovid-ops verify-chain` on SQLite, on the gateway's store: its accounts and its audit trail
(`RecordAccess`, what gateway.audit publishes) are one notification log, chained as one.

Break: the command exits 0 whatever the report says -> the tampered case fails.
Break: `verify` leaves the table's checkpoints out (only published ones) -> no last checkpoint
and the forged checkpoint unseen: two tests fail.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from ecovid_ops import cli
from typer.testing import CliRunner

from ecovid_platform.chain.keys import DEVELOPMENT_KEY_ID, Signer
from ecovid_platform.chain.sealer import Sealer
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage
from ecovid_platform.tables import chain_checkpoints

from gateway.application import GatewayApplication
from gateway.audit import Access
from gateway.security import Principal


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("POSTGRES_HOST", "POSTGRES_DBNAME", "ECOVID_CHECKPOINT_SIGNING_KEY", "ECOVID_CHECKPOINT_PUBLIC_KEY",
                 "ECOVID_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ECOVID_DATA_DIR", str(tmp_path))
    storage = Storage("gateway", ServiceSettings(data_dir=tmp_path, _env_file=None))
    storage.migrate()
    app = GatewayApplication(env=storage.eventsourcing_env())
    app.ensure_admin("admin@example.org", "an admin password")
    doctor = Principal(subject_id=uuid.uuid4(), role="professional")
    for n in range(5):
        app.record_accesses([Access(uuid.uuid4(), "GET", "/patients/{id}", 200 if n % 2 else 403, doctor,
                                    f"correlation {n}", "10.0.0.7")])
    sealer = Sealer(service="gateway", app=app, storage=storage, signer=Signer("gateway", None), checkpoint_records=3)
    while sealer.seal_once():
        pass
    app.close()
    yield tmp_path
    storage.engine.dispose()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli.app, ["verify-chain", "gateway", "--no-broker", *args])
    return result.exit_code, result.stdout, result.stderr


def test_an_intact_chain_of_accounts_and_audit_records(data_dir: Path) -> None:
    code, out, err = run()
    assert code == 0, out + err
    assert out.startswith("gateway: chain intact: 6 records, head 6, last checkpoint at 6 signed ")
    assert "DEVELOPMENT checkpoint key" in err and "records/s" in err


def test_an_altered_audit_record_is_reported_with_its_position(data_dir: Path) -> None:
    with sqlite3.connect(data_dir / "gateway.events.sqlite3") as db:
        db.execute("UPDATE stored_events SET state = replace(state, '403', '200') WHERE rowid = 3")
    code, out, _ = run()
    assert code == 1
    assert out.strip() == "TAMPERED gateway: altered at 3: stored event 3's content differs from what was sealed"


def test_a_forged_checkpoint_is_refused(data_dir: Path) -> None:
    forged = Signer("gateway", Ed25519PrivateKey.generate()).sign(2, bytes(32), datetime.now(UTC))
    storage = Storage("gateway", ServiceSettings(data_dir=data_dir, _env_file=None))
    with storage.transaction() as session:
        session.execute(chain_checkpoints.insert().values(
            notification_id=2, hash=forged.hash, signed_at=forged.signed_at, key_id=DEVELOPMENT_KEY_ID,
            signature=forged.signature))
    storage.engine.dispose()
    code, out, _ = run()
    assert code == 1 and out.startswith("TAMPERED gateway: checkpoint invalid at 2: ")


def test_a_service_without_its_chain_table_is_told_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSTGRES_HOST", raising=False)
    monkeypatch.setenv("ECOVID_DATA_DIR", str(tmp_path))
    code, _, err = run()
    assert code == 2 and "gateway has no chain table yet" in err


def test_checkpoint_key_prints_a_usable_pair() -> None:
    result = CliRunner().invoke(cli.app, ["checkpoint-key"])
    lines = dict(line.split("=", 1) for line in result.stdout.split())
    assert set(lines) == {"ECOVID_CHECKPOINT_SIGNING_KEY", "ECOVID_CHECKPOINT_PUBLIC_KEY"}
    settings = ServiceSettings(_env_file=None, checkpoint_signing_key=lines["ECOVID_CHECKPOINT_SIGNING_KEY"],
                               checkpoint_public_key=lines["ECOVID_CHECKPOINT_PUBLIC_KEY"])
    assert not settings.checkpoint_verifier().is_development
