"""The web's own share of the list page's server time: the page of 50 rows rendered from an API
answer given at once (an httpx stub), so that what is timed is the web alone (session, call,
template, headers). The API's share at 100,000 patients is the monitoring list bench's
(services/ecovid-monitor/bench/list_bench.py); the two add up to the page's server time.

    .venv/bin/python services/web/bench/list_page_bench.py [--requests N] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from ecovid_web.app import create_app
from ecovid_web.settings import Settings
from fastapi.testclient import TestClient

LEVELS = ("alert", "overdue", "watch", "normal", "none")


def page_of_rows(count: int = 50) -> dict[str, Any]:
    rows = [{
        "patient_id": str(uuid.uuid4()), "last_name": f"Nom{n}", "first_name": "Prénom", "age": 40 + n % 50,
        "commune": "Montreuil", "general_state": LEVELS[n % 5], "last_reading_at": "2026-12-01T08:00:00+00:00",
        "levels": {"temperature": LEVELS[n % 5], "spo2": LEVELS[(n + 1) % 5], "heart_rate": "normal"},
        "episode_id": str(uuid.uuid4()), "status": "tested_positive", "hospitalised": False,
    } for n in range(count)]
    return {"total": 5000, "limit": count, "offset": 0, "rows": rows}


def stub() -> httpx.MockTransport:
    listing = page_of_rows()
    token = "h.eyJyb2xlIjogInByb2Zlc3Npb25hbCJ9.s"  # {"role": "professional"}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/auth/token"):
            return httpx.Response(200, json={"access_token": token, "token_type": "bearer"})
        return httpx.Response(200, json=listing)

    return httpx.MockTransport(answer)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--json", type=Path, default=Path("bench-results/web-list-page.json"))
    args = parser.parse_args()
    client = TestClient(create_app(Settings(gateway_url="http://gateway.bench"), transport=stub()),
                        follow_redirects=False)
    login = client.get("/login").text
    csrf = login.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"csrf_token": csrf, "username": "a@example.org", "password": "x"})
    for _ in range(50):  # warm-up: templates compiled, caches filled
        client.get("/monitoring?population=adults")
    times = []
    for _ in range(args.requests):
        started = time.perf_counter()
        answer = client.get("/monitoring?population=adults")
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200
    times.sort()
    result = {"rows": 50, "requests": args.requests, "p50_ms": round(statistics.median(times), 2),
              "p99_ms": round(times[int(len(times) * 0.99) - 1], 2), "max_ms": round(times[-1], 2)}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    print(f"web list page, 50 rows, API stubbed: p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms "
          f"({args.requests} requests)")


if __name__ == "__main__":
    main()
