"""Bench of the dossier's read models on PostgreSQL (not a test): patient search on
1,000,000 identities, and the speed of the timeline projection (rebuild).

    .venv/bin/python services/dossier/bench/search_bench.py [--rows 1000000] [--events 50000]

Uses a fresh database (dropped at the end), the service's own table definitions and
query code; prints a table and writes JSON (var/bench/dossier_search.json).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

from ecovid_events.alerting import AlertRaised
from ecovid_events.ecovid import ReadingRecorded
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage

from dossier import SERVICE, read_models, timeline
from dossier.domain.names import normalise_name

SYLLABLES = ("ber", "mar", "du", "pont", "ro", "lan", "gi", "ret", "fon", "tai", "ne", "lef", "vre",
             "mo", "reau", "pe", "tit", "gar", "nier", "bou", "cher", "da", "vid", "lau", "rent",
             "si", "mon", "fa", "bre", "gue", "rin", "che", "val", "lier", "ma", "thieu", "dar", "c")
FIRST = ("Héloïse", "Jean", "Marie", "Pierre", "Anne", "Louis", "Camille", "Léa", "Hugo", "Chloé",
         "Lucas", "Emma", "Jules", "Inès", "Gabriel", "Zoé", "Noël", "Agathe", "Étienne", "Maëlle")


def admin(settings: dict[str, Any]) -> psycopg.Connection[Any]:
    return psycopg.connect(host=settings["host"], port=settings["port"], user=settings["user"],
                           password=settings["password"] or None, dbname="postgres", autocommit=True)


def identities(rows: int, rng: random.Random) -> list[tuple[Any, ...]]:
    last_names = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
                         for _ in range(60_000)})
    first_names = [f"{f}{suffix}" for f in FIRST for suffix in ("", "-Marie", "tte", "ine", "a")]
    out = []
    for _ in range(rows):
        last, first = rng.choice(last_names), rng.choice(first_names)
        born = date(1920, 1, 1) + timedelta(days=rng.randrange(365 * 100))
        out.append((uuid.uuid4(), last, first, normalise_name(last), normalise_name(first), born, "female", "Paris"))
    return out


def load(storage: Storage, rows: list[tuple[Any, ...]]) -> float:
    started = time.perf_counter()
    raw = storage.engine.raw_connection()
    try:
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            with cursor.copy("COPY patient_index (patient_id, last_name, first_name, last_name_key, "
                             "first_name_key, birth_date, sex, commune) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute("ANALYZE patient_index")
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - started


def search_latencies(storage: Storage, rows: list[tuple[Any, ...]], queries: int, rng: random.Random) -> dict[str, Any]:
    samples, found = [], 0
    with storage.transaction() as session:
        for i in range(queries):
            _, last, first, *_rest = rng.choice(rows)
            born = _rest[2] if i % 4 == 0 else None  # a quarter of searches also give the birth date
            query = read_models.search_query(last[: rng.randint(3, 5)], first[: rng.randint(3, 5)], born, 20)
            started = time.perf_counter()
            found += len(session.execute(query).all())
            samples.append((time.perf_counter() - started) * 1000)
        plan = session.execute(sa.text("EXPLAIN " + str(read_models.search_query("dar", "hel", None, 20).compile(
            dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})))).scalars().all()
    cuts = statistics.quantiles(samples, n=100)
    return {"queries": queries, "p50_ms": round(cuts[49], 3), "p99_ms": round(cuts[98], 3),
            "max_ms": round(max(samples), 3), "mean_rows": round(found / queries, 1), "plan": plan}


def synthetic_events(count: int, rng: random.Random) -> list[Any]:
    patients, start = [uuid.uuid4() for _ in range(max(1, count // 50))], datetime(2026, 1, 1, tzinfo=UTC)
    head = {"producer": "ecovid-monitor", "correlation_id": "bench", "actor": {"kind": "patient"}, "schema_version": 1}
    events: list[Any] = []
    for i in range(count):
        at, patient = start + timedelta(seconds=i), rng.choice(patients)
        if i % 10:
            events.append(ReadingRecorded(**head, event_id=uuid.uuid4(), occurred_at=at, patient_id=patient, payload={
                "reading_id": uuid.uuid4(), "episode_id": uuid.uuid4(), "taken_at": at, "recorded_at": at,
                "source": "patient", "values": {"temperature": 38.5, "spo2": 95}, "overall_level": "watch",
                "levels": {"temperature": "watch", "spo2": "normal"}, "rule_set": {"id": "covid", "version": "1"},
                "age_band": "adult"}))
        else:
            events.append(AlertRaised(**{**head, "producer": "alerting"}, event_id=uuid.uuid4(), occurred_at=at,
                                      patient_id=patient, payload={"alert_id": uuid.uuid4(), "kind": "threshold",
                                      "level": "alert", "raised_at": at, "source_event_id": uuid.uuid4(),
                                      "summary": "t"}))
    return events


def projection_speed(storage: Storage, events: list[Any], batch: int = 500) -> dict[str, Any]:
    """Both paths of the projection, one transaction per batch: the live consumer applies
    event by event (record_event), the rebuild a batch at a time (record_events)."""
    timings = {}
    for path, apply in (("one_by_one", _one_by_one), ("batched", timeline.record_events)):
        with storage.transaction() as session:
            session.execute(timeline.timeline_entries.delete())
        started = time.perf_counter()
        for i in range(0, len(events), batch):
            with storage.transaction() as session:
                apply(session, events[i:i + batch])
        timings[path] = round(len(events) / (time.perf_counter() - started))
    return {"events": len(events), "events_per_second": timings}


def _one_by_one(session: Any, events: list[Any]) -> None:
    for event in events:
        timeline.record_event(session, event)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--out", type=Path, default=Path("var/bench/dossier_search.json"))
    args = parser.parse_args()
    pg = {"host": os.environ.get("ECOVID_TEST_POSTGRES_HOST", "127.0.0.1"),
          "port": int(os.environ.get("ECOVID_TEST_POSTGRES_PORT", "5432")),
          "user": os.environ.get("ECOVID_TEST_POSTGRES_USER", "postgres"),
          "password": os.environ.get("ECOVID_TEST_POSTGRES_PASSWORD", "")}
    name, rng = f"dossier_bench_{uuid.uuid4().hex[:8]}", random.Random(20201)
    with admin(pg) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        results = run(pg, name, args, rng)
    finally:
        with admin(pg) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    report(results, args.out)


def run(pg: dict[str, Any], name: str, args: argparse.Namespace, rng: random.Random) -> dict[str, Any]:
    settings = ServiceSettings(POSTGRES_HOST=pg["host"], POSTGRES_PORT=pg["port"], POSTGRES_USER=pg["user"],
                               POSTGRES_PASSWORD=pg["password"], POSTGRES_DBNAME=name)
    storage = Storage(SERVICE, settings)
    storage.create_tables(read_models.metadata)  # the service's tables and indexes, timeline included
    rows = identities(args.rows, rng)
    load_seconds = load(storage, rows)
    search = search_latencies(storage, rows, args.queries, rng)
    speed = projection_speed(storage, synthetic_events(args.events, rng))
    storage.engine.dispose()
    return {"rows": args.rows, "load_seconds": round(load_seconds, 1), "search": search, "timeline_projection": speed,
            "target_p99_ms": 20, "at": datetime.now(UTC).isoformat()}


def report(results: dict[str, Any], out: Path) -> None:
    s, t = results["search"], results["timeline_projection"]
    lines = [("rows in patient_index", results["rows"]), ("COPY + ANALYZE (s)", results["load_seconds"]),
             ("search p50 (ms)", s["p50_ms"]), ("search p99 (ms, target < 20)", s["p99_ms"]),
             ("search max (ms)", s["max_ms"]), ("rows per search (mean)", s["mean_rows"]),
             ("timeline events applied", t["events"]),
             ("timeline, event by event (events/s)", t["events_per_second"]["one_by_one"]),
             ("timeline, rebuild batches (events/s)", t["events_per_second"]["batched"])]
    for label, value in lines:
        print(f"{label:<38} {value:>12}")
    print("plan:", *s["plan"], sep="\n  ")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
