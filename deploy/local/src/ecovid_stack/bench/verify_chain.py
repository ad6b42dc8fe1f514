"""`python -m ecovid_stack.bench.verify_chain`: `ecovid-ops verify-chain` speed, in records per second.

On a fresh PostgreSQL database: 1,000,000 stored events of ecovid-monitor (JSON states of 600 to
1,700 bytes, as its readings and alerts store them) written straight into its event store with
COPY (no API, no stack), sealed by the service's sealer (timed: sealing speed), then verified by
the verifier `ecovid-ops verify-chain` runs (in this process, and once as the command itself).

Baseline, in the same run just before and just after the verification (mean of the two, after a
warm-up pass): the same rows read with the same query, in the same batches, and each one's content
hashed with SHA-256, nothing else (no chain read, no link, no comparison, no checkpoint). Any
verification pays at least that; the ratio (verify records/s over baseline records/s) moves far
less than either figure with the load of this shared machine. Also timed: finding one altered row
in the middle. Writes bench-results/verify-chain.json. Target: 100,000 records/s.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from ecovid_stack.bench.__main__ import machine, postgres

SERVICE = "ecovid-monitor"
TARGET = 100_000  # records/s
TOPICS = ("ecovid:CareEpisode.ReadingRecorded.v1", "ecovid:CareEpisode.Opened.v1",
          "ecovid:PatientEpisodes.EpisodeOpened.v1")


def state(rng: random.Random, n: int) -> bytes:
    """A stored event's JSON as eventsourcing writes it (tagged values), 600 to 1,700 bytes."""
    moment = (datetime(2026, 11, 1, tzinfo=UTC) + timedelta(seconds=n * 7)).isoformat()
    body: dict[str, Any] = {
        "timestamp": {"_type_": "datetime_iso", "_data_": moment},
        "reading_id": {"_type_": "uuid_hex", "_data_": uuid.UUID(int=rng.getrandbits(128)).hex},
        "taken_at": {"_type_": "datetime_iso", "_data_": moment},
        "values": {"temperature": {"_type_": "decimal_str", "_data_": f"{rng.uniform(36, 41):.1f}"},
                   "spo2": rng.randint(85, 100), "heart_rate": rng.randint(50, 140)},
        "levels": {"temperature": "alert", "spo2": "watch", "heart_rate": "normal"},
        "trace": {"actor": {"kind": "professional", "id": str(uuid.UUID(int=rng.getrandbits(128)))},
                  "correlation_id": uuid.UUID(int=rng.getrandbits(128)).hex, "causation_id": None},
        "symptoms": ["cough", "fever", "fatigue"][: rng.randint(0, 3)],
        "comment": "x" * rng.randint(0, 1000),
    }
    return json.dumps(body, separators=(",", ":")).encode()


def seed(settings: dict[str, str], schema: str, table: str, rows: int) -> dict[str, Any]:
    """`rows` stored events, by COPY (binary), in aggregates of 1 to 40 versions."""
    rng = random.Random(20261202)
    started, size = time.perf_counter(), 0
    with psycopg.connect(**_dsn(settings)) as connection, connection.cursor() as cursor:
        statement = f'COPY "{schema}"."{table}" (originator_id, originator_version, topic, state) FROM STDIN BINARY'
        with cursor.copy(statement) as copy:
            copy.set_types(["uuid", "int8", "text", "bytea"])
            written, originator, version, versions = 0, uuid.uuid4(), 0, 0
            while written < rows:
                if version == versions:
                    originator, version, versions = uuid.UUID(int=rng.getrandbits(128)), 0, rng.randint(1, 40)
                version += 1
                data = state(rng, written)
                size += len(data)
                copy.write_row((originator, version, TOPICS[0] if version > 1 else TOPICS[rng.randint(1, 2)], data))
                written += 1
        connection.commit()
        connection.autocommit = True
        cursor.execute(f'VACUUM ANALYZE "{schema}"."{table}"')
    return {"rows": rows, "seconds": round(time.perf_counter() - started, 1), "mean_state_bytes": round(size / rows)}


def baseline(log: Any, batch_size: int) -> dict[str, Any]:
    """The same rows, same query and batches, each content hashed: nothing else."""
    sha256 = hashlib.sha256
    started, count, after = time.perf_counter(), 0, -(2**63)
    while records := log.read(after, batch_size):
        for _, data in records:
            sha256(data).digest()
        count += len(records)
        after = records[-1][0]
    seconds = time.perf_counter() - started
    return {"records": count, "seconds": round(seconds, 3), "records_per_second": round(count / seconds)}


def run_command(settings: dict[str, str], data_dir: Path) -> dict[str, Any]:
    """`ecovid-ops verify-chain` itself, as an operator runs it (start-up included)."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("ECOVID_", "POSTGRES_"))},
           **settings, "ECOVID_DATA_DIR": str(data_dir), "ECOVID_LOG_JSON": "true"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ecovid_ops", "verify-chain", SERVICE, "--no-broker"], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    return {"exit_code": done.returncode, "wall_seconds": round(time.perf_counter() - started, 2),
            "stdout": done.stdout.strip(), "stderr_last_line": (done.stderr.strip().splitlines() or [""])[-1]}


def _dsn(settings: dict[str, str], database: str | None = None) -> dict[str, Any]:
    return {"host": settings["POSTGRES_HOST"], "port": int(settings["POSTGRES_PORT"]),
            "user": settings["POSTGRES_USER"], "password": settings["POSTGRES_PASSWORD"] or None,
            "dbname": database or settings["POSTGRES_DBNAME"]}


def measure(rows: int, batch_size: int) -> dict[str, Any]:
    from ecovid_ops.services import SERVICES

    from ecovid_platform.chain.keys import Signer, Verifier
    from ecovid_platform.chain.sealer import Sealer
    from ecovid_platform.chain.store import ChainStore, EventLog
    from ecovid_platform.chain.verify import verify
    from ecovid_platform.rebuild.engine import open_service
    from ecovid_platform.rebuild.model import ServiceReadModels
    from ecovid_platform.settings import ServiceSettings

    server = postgres()
    database = f"ecovid_chain_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(**_dsn(server, "postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
    settings = {**server, "POSTGRES_DBNAME": database}
    data_dir = Path(tempfile.mkdtemp(prefix="ecovid-chain-bench-"))
    found = SERVICES[SERVICE]
    try:
        service_settings = ServiceSettings(data_dir=data_dir, _env_file=None, **settings)  # type: ignore[arg-type]
        storage, app = open_service(ServiceReadModels(SERVICE, found.load_application(), found.load_translate()),
                                    service_settings)
        storage.migrate()
        log, chain = EventLog(app), ChainStore(storage, SERVICE)
        seeded = seed(settings, storage.schema, log.table, rows)
        print(f"seeded {rows:,} stored events in {seeded['seconds']} s", flush=True)

        signer = Signer(SERVICE, None)
        sealer = Sealer(service=SERVICE, app=app, storage=storage, signer=signer, batch_size=10_000,
                        checkpoint_records=100_000, checkpoint_seconds=3600)
        started = time.perf_counter()
        while sealer.seal_once():
            pass
        seal_seconds = time.perf_counter() - started
        print(f"sealed in {seal_seconds:.1f} s", flush=True)

        baseline(log, batch_size)  # warm-up: the rows' pages in the cache, hint bits set
        load = [round(os.getloadavg()[0], 2)]
        before = baseline(log, batch_size)
        report = verify(SERVICE, log, chain, Verifier.for_development(), batch_size=batch_size)
        after = baseline(log, batch_size)
        load.append(round(os.getloadavg()[0], 2))
        assert report.intact, report.line()
        base = (before["records_per_second"] + after["records_per_second"]) / 2
        command = run_command(settings, data_dir)

        middle = rows // 2
        with psycopg.connect(**_dsn(settings)) as connection:
            connection.execute(f'UPDATE "{storage.schema}"."{log.table}" SET state = state || %s '
                               'WHERE notification_id = %s', (b" ", middle))
        tampered = verify(SERVICE, log, chain, Verifier.for_development(), batch_size=batch_size)
        app.close()
        storage.engine.dispose()
        return {
            "at": datetime.now(UTC).isoformat(), "machine": machine(), "service": SERVICE,
            "seeded": seeded, "batch_size": batch_size,
            "seal": {"records": rows, "seconds": round(seal_seconds, 2),
                     "records_per_second": round(rows / seal_seconds), "checkpoints": report.checkpoints},
            "verify": {"records": report.records, "seconds": round(report.seconds, 3),
                       "records_per_second": round(report.records_per_second), "line": report.line()},
            "baseline": {"kind": "the same rows read and SHA-256 hashed, no comparison", "before": before,
                         "after": after, "records_per_second": round(base)},
            "ratio_to_baseline": round(report.records_per_second / base, 3),
            "target_records_per_second": TARGET,
            "target_met": report.records_per_second >= TARGET,
            "command": command,
            "one_row_altered_in_the_middle": {"position": middle, "seconds": round(tampered.seconds, 3),
                                              "line": tampered.line()},
            "load_average_1min": load,
        }
    finally:
        with psycopg.connect(**_dsn(server, "postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=20_000)
    args = parser.parse_args()
    results = measure(args.rows, args.batch_size)
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "verify-chain.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
