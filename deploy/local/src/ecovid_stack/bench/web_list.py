"""The web's monitoring list page at 100,000 patients, end to end on the real stack.

A coordinator's list (their structure's open episodes, 50 rows a page) asked of the web front
end on PostgreSQL: web -> gateway (scope from care-circle, audit of every row shown) ->
ecovid-monitor's query. The monitor's read model is bulk-seeded (100,000 patients, 20,000 open
episodes, a quarter of them in the coordinator's structure) by the list bench's own generator.
Timed at the client, on the same machine: the page's server time plus a loopback round trip.
Baselines of the same run: the sign-in page (the web alone, no API call) and the gateway's list
route asked directly (the API's share).

    .venv/bin/python -m ecovid_stack.bench.web_list [--requests N] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from ecovid_stack.bench.__main__ import ADMIN, machine, postgres, stack_on_a_new_database
from ecovid_stack.bench.load import percentile
from ecovid_stack.stack import Stack

# The list bench's population generator (a script folder, not a package).
sys.path.insert(0, str(Path(__file__).resolve().parents[5] / "services" / "ecovid-monitor" / "bench"))
from bench_data import seed

TARGET_P99_MS = 100.0
PASSWORD = "coordinator bench password"


def monitor_engine(database: str) -> sa.Engine:
    s = postgres()
    url = sa.URL.create("postgresql+psycopg", username=s["POSTGRES_USER"], password=s["POSTGRES_PASSWORD"] or None,
                        host=s["POSTGRES_HOST"], port=int(s["POSTGRES_PORT"]), database=database)
    return sa.create_engine(url, connect_args={"options": "-csearch_path=ecovid_monitor"})


def coordinator(gateway: str) -> tuple[str, str]:
    """A structure and its coordinator, made through the API; the coordinator's email."""
    admin = httpx.Client(base_url=f"{gateway}/api/v1", timeout=30)
    token = admin.post("/auth/token", json=ADMIN).json()["access_token"]
    admin.headers["Authorization"] = f"Bearer {token}"
    structure = admin.post("/structures", json={"name": "Centre de coordination", "kind": "practice"})
    structure.raise_for_status()
    email = "coordinator-bench@example.org"
    made = admin.post("/professionals", json={
        "email": email, "password": PASSWORD, "first_name": "Claire", "last_name": "Roux",
        "profession": "coordinator", "structure_id": structure.json()["id"]})
    made.raise_for_status()
    return structure.json()["id"], email


def populate(database: str, structure_id: str, patients: int, episodes: int) -> int:
    engine = monitor_engine(database)
    try:
        biggest, _ = seed(engine, patients, episodes, random.Random(7))
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE monitoring_rows SET structure_id = :mine WHERE structure_id = :seeded"),
                               {"mine": structure_id, "seeded": biggest.structure_id})
            connection.execute(sa.text("ANALYZE"))
        return biggest.episodes
    finally:
        engine.dispose()


def signed_in_web(web: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=web, timeout=30, follow_redirects=False)
    csrf = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post("/login", data={"csrf_token": csrf, "username": email, "password": PASSWORD, "next": "/"})
    if answer.status_code != 303:
        raise RuntimeError(f"web sign-in: {answer.status_code} {answer.text[:200]}")
    return client


def timed(ask: Callable[[], httpx.Response], requests: int) -> dict[str, float]:
    for _ in range(20):  # warm-up: plans, pools, templates
        ask().raise_for_status()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = ask()
        times.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    return {"p50_ms": round(percentile(times, 50), 2), "p99_ms": round(percentile(times, 99), 2),
            "max_ms": round(max(times), 2)}


def run(stack: Stack, database: str, patients: int, episodes: int, requests: int) -> dict[str, Any]:
    stack.start_web()
    structure_id, email = coordinator(stack.url("gateway"))
    started = time.perf_counter()
    in_structure = populate(database, structure_id, patients, episodes)
    seeded_s = time.perf_counter() - started
    web = signed_in_web(stack.url("web"), email)
    page = web.get("/monitoring?population=adults")
    if page.status_code != 200 or page.text.count("data-patient=") < 50:
        raise RuntimeError(f"the list page does not show a full page: {page.status_code}")
    api = httpx.Client(base_url=f"{stack.url('gateway')}/api/v1", timeout=30)
    token = api.post("/auth/token", json={"username": email, "password": PASSWORD}).json()["access_token"]
    api.headers["Authorization"] = f"Bearer {token}"
    figures = {
        "sign-in page (web alone)": timed(lambda: web.get("/login"), requests),
        "gateway list route (API alone)": timed(lambda: api.get("/monitoring/patients",
                                                                params={"population": "adults"}), requests),
        "list page (web -> gateway -> monitor)": timed(lambda: web.get("/monitoring?population=adults"), requests),
    }
    return {"patients": patients, "open_episodes": episodes, "coordinator_structure_episodes": in_structure,
            "seed_seconds": round(seeded_s, 1), "requests": requests, "target_p99_ms": TARGET_P99_MS,
            "figures": figures, "machine": machine()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--episodes", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--json", type=Path, default=Path("bench-results/web-list-page-e2e.json"))
    args = parser.parse_args()
    with stack_on_a_new_database("web_list_bench") as (stack, _work):
        report = run(stack, stack.config.postgres["POSTGRES_DBNAME"], args.patients, args.episodes, args.requests)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    base = report["figures"]["sign-in page (web alone)"]["p99_ms"]
    print(f"{report['patients']} patients, {report['open_episodes']} open episodes, "
          f"{report['coordinator_structure_episodes']} in the coordinator's structure; {args.requests} requests each")
    print(f"{'':40} {'p50 ms':>8} {'p99 ms':>8} {'p99 / sign-in p99':>18}")
    for label, f in report["figures"].items():
        print(f"{label:40} {f['p50_ms']:>8.2f} {f['p99_ms']:>8.2f} {f['p99_ms'] / base:>18.1f}")
    page = report["figures"]["list page (web -> gateway -> monitor)"]["p99_ms"]
    print(f"list page p99 {page:.1f} ms: target < {TARGET_P99_MS:.0f} ms "
          f"{'met' if page < TARGET_P99_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
