"""Bench of the monitoring lists on PostgreSQL: list query latency, and replay speed of the read model.

Seeds a database created for the run directly (bulk SQL): 100,000 patients, 20,000 open
episodes whose rows summarise a week of readings; then times the service's own query
code for the common filters, and applies synthetic ReadingRecorded events through the
projection functions. Prints a table and writes JSON.

    .venv/bin/python services/ecovid-monitor/bench/list_bench.py [--json PATH]
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
from sqlalchemy.orm import Session

from ecovid_monitor.read_models import projections
from ecovid_monitor.read_models.deadlines import Deadlines
from ecovid_monitor.read_models.monitoring_list import ListQuery, list_patients
from ecovid_monitor.read_models.tables import metadata

from bench_data import COMMUNES, seed
from replay_events import synthetic_readings

TARGET_P99_MS = 50.0


def pg_settings() -> dict[str, Any]:
    return {
        "host": os.environ.get("ECOVID_TEST_POSTGRES_HOST", "127.0.0.1"),
        "port": int(os.environ.get("ECOVID_TEST_POSTGRES_PORT", "5432")),
        "user": os.environ.get("ECOVID_TEST_POSTGRES_USER", "postgres"),
        "password": os.environ.get("ECOVID_TEST_POSTGRES_PASSWORD") or None,
    }


def create_database() -> tuple[str, sa.Engine]:
    name = f"ecovid_list_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**pg_settings(), dbname="postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    s = pg_settings()
    url = sa.URL.create("postgresql+psycopg", username=s["user"], password=s["password"],
                        host=s["host"], port=s["port"], database=name)
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    return name, engine


def drop_database(name: str) -> None:
    with psycopg.connect(**pg_settings(), dbname="postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def scenarios(structure_id: uuid.UUID, today: date) -> dict[str, ListQuery]:
    base = {"structure_id": structure_id, "today": today}
    return {
        "adults (population only)": ListQuery(population="adults", **base),
        "children (population only)": ListQuery(population="children", **base),
        "level=alert": ListQuery(population="adults", level="alert", **base),
        "symptom=cough": ListQuery(population="adults", symptom="cough", **base),
        f"commune={COMMUNES[3]}": ListQuery(population="adults", commune=COMMUNES[3], **base),
        "age 60-80": ListQuery(population="adults", age_min=60, age_max=80, **base),
        "name prefix 'mar'": ListQuery(population="adults", name="mar", **base),
        "stale: updated_before 2 days": ListQuery(
            population="adults", updated_before=datetime.now(UTC) - timedelta(days=2), **base),
        "page 10 (offset 450)": ListQuery(population="adults", offset=450, **base),
    }


def time_queries(engine: sa.Engine, structure_id: uuid.UUID, runs: int) -> dict[str, dict[str, float]]:
    results = {}
    with Session(engine) as session:
        for label, query in scenarios(structure_id, datetime.now(UTC).date()).items():
            for _ in range(5):  # warm the plan and the buffers
                page = list_patients(session, query)
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                page = list_patients(session, query)
                timings.append((time.perf_counter() - started) * 1000)
            results[label] = {"total": page["total"], "p50_ms": statistics.median(timings),
                              "p99_ms": statistics.quantiles(timings, n=100)[98]}
    return results


def time_replay(engine: sa.Engine, episodes: list[tuple[uuid.UUID, uuid.UUID]], count: int) -> dict[str, float]:
    """Events/s of the list and deadline projections, event by event and as the consumer
    applies a run of readings (`readings_recorded`), each on events of its own."""
    deadlines = Deadlines()

    def one_by_one(session: Session, run: list[Any]) -> None:
        for event in run:
            projections.reading_recorded(session, event)
            deadlines.reading_recorded(session, event)

    def batched(session: Session, run: list[Any]) -> None:
        projections.readings_recorded(session, run)
        deadlines.readings_recorded(session, run)

    speeds = {}
    for label, apply in (("one_by_one", one_by_one), ("batched", batched)):
        events = synthetic_readings(episodes, count)
        started = time.perf_counter()
        for start in range(0, len(events), 200):  # batches as the consumer takes them
            with Session(engine) as session, session.begin():
                apply(session, events[start:start + 200])
        speeds[label] = round(len(events) / (time.perf_counter() - started))
    return speeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--episodes", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--replay", type=int, default=20_000)
    parser.add_argument("--largest-share", type=float, default=0.25,
                        help="share of the open episodes in the queried structure (1.0: one structure)")
    parser.add_argument("--json", type=Path, default=Path("bench-results/monitoring-lists.json"))
    args = parser.parse_args()
    name, engine = create_database()
    try:
        started = time.perf_counter()
        biggest, episodes = seed(engine, args.patients, args.episodes, random.Random(7), args.largest_share)
        seeded_s = time.perf_counter() - started
        queries = time_queries(engine, biggest.structure_id, args.runs)
        replay = time_replay(engine, episodes, args.replay)
    finally:
        engine.dispose()
        drop_database(name)
    report = {"patients": args.patients, "open_episodes": args.episodes,
              "largest_structure_episodes": biggest.episodes, "seed_seconds": round(seeded_s, 1),
              "target_p99_ms": TARGET_P99_MS, "queries": queries, "replay_events_per_second": replay}
    print_table(report)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))


def print_table(report: dict[str, Any]) -> None:
    print(f"{report['patients']} patients, {report['open_episodes']} open episodes; "
          f"queried structure: {report['largest_structure_episodes']} open episodes")
    print(f"{'filter':32} {'rows':>6} {'p50 ms':>8} {'p99 ms':>8}")
    for label, q in report["queries"].items():
        flag = "" if q["p99_ms"] < TARGET_P99_MS else "  over target"
        print(f"{label:32} {q['total']:>6} {q['p50_ms']:>8.2f} {q['p99_ms']:>8.2f}{flag}")
    replay = report["replay_events_per_second"]
    print(f"replay: {replay['one_by_one']} ReadingRecorded events/s event by event, {replay['batched']} in runs")


if __name__ == "__main__":
    main()
