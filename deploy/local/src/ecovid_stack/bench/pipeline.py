"""Readings through the gateway to alerts, on PostgreSQL: throughput, drain time, alert latency.

Every figure is printed beside the baseline measured in the same run: a trivial
FastAPI endpoint served by uvicorn, hit by the same client at the same load.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from ecovid_stack.bench.cpu import CpuMeter
from ecovid_stack.bench.load import closed_loop, open_loop, percentile
from ecovid_stack.bench.notified import notified
from ecovid_stack.ports import free_port
from ecovid_stack.stack import Stack

ALARMING = {"temperature": 40.3, "spo2": 90, "heart_rate": 125}
PASSWORD = "bench password 123"


class Clinic:
    """A professional with patients enrolled, driving readings through the public API."""

    def __init__(self, client: httpx.AsyncClient, episodes: list[str]) -> None:
        self.client, self.episodes = client, episodes
        self.readings = Sender(str(client.base_url), {"Authorization": client.headers["Authorization"]})

    @classmethod
    async def open(cls, gateway: str, admin: dict[str, str], patients: int, tag: str) -> Clinic:
        async with httpx.AsyncClient(base_url=gateway, timeout=30) as anonymous:
            token = (await anonymous.post("/api/v1/auth/token", json=admin)).json()["access_token"]
            anonymous.headers["Authorization"] = f"Bearer {token}"
            body = {"name": f"Bench {tag}", "kind": "practice"}
            structure = await _created(anonymous, "/api/v1/structures", body)
            email = f"bench-{tag}@example.org"
            await anonymous.post("/api/v1/professionals", json={
                "email": email, "password": PASSWORD, "first_name": "Bench", "last_name": "Doctor",
                "profession": "doctor", "structure_id": structure})
            signed_in = await anonymous.post("/api/v1/auth/token", json={"username": email, "password": PASSWORD})
            token = signed_in.json()["access_token"]
        client = httpx.AsyncClient(base_url=gateway, timeout=30, headers={"Authorization": f"Bearer {token}"},
                                   limits=httpx.Limits(max_connections=64))
        episodes = []
        for n in range(patients):
            patient = await _created(client, "/api/v1/patients", {
                "last_name": f"Bench-{tag}", "first_name": _letters(n), "birth_date": "1955-05-05",
                "sex": "male", "commune": "Paris"})
            started = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
            episodes.append(await _created(client, f"/api/v1/patients/{patient}/care-episodes", {
                "started_on": started, "status": "tested_positive", "structure_id": structure}))
        return cls(client, episodes)

    async def send(self, n: int) -> str:
        taken_at = (datetime.now(UTC) - timedelta(seconds=30)).isoformat()
        answer = await self.readings.post(f"/api/v1/care-episodes/{self.episodes[n % len(self.episodes)]}/readings",
                                          {"taken_at": taken_at, **ALARMING})
        return str(answer["id"])

    async def aclose(self) -> None:
        await self.client.aclose()
        await self.readings.aclose()

    async def alert_count(self) -> int:
        """Alarming readings reflected in alerting: an episode's open alert counts each (issue 11)."""
        total, offset = 0, 0
        while True:
            page = (await self.client.get("/api/v1/alerts", params={"limit": 500, "offset": offset})).json()
            total += sum(alert["occurrences"] for alert in page)
            offset += 500
            if len(page) < 500:
                return total

    async def recent_alerts(self) -> list[dict[str, Any]]:
        return list((await self.client.get("/api/v1/alerts", params={"limit": 500})).json())


async def _created(client: httpx.AsyncClient, path: str, body: dict[str, Any], attempts: int = 20) -> str:
    """The new resource's id. A 503 (a service behind the gateway not answering yet, as just
    after a restart on a loaded machine) is asked again; any other refusal stops the bench
    with its answer."""
    for _ in range(attempts):
        answer = await client.post(path, json=body)
        if answer.status_code != 503:
            break
        await asyncio.sleep(0.5)
    if answer.status_code != 201:
        raise RuntimeError(f"POST {path}: {answer.status_code} {answer.text[:300]}")
    return str(answer.json()["id"])


class Sender:
    """The load generator's client, for the stack and the baseline alike.

    aiohttp: it costs the machine about half of what httpx does per request, and the load
    generator shares the two cores with the stack it measures.
    """

    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        self.base_url, self.headers = base_url.rstrip("/"), headers or {}
        self._session: aiohttp.ClientSession | None = None

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers=self.headers, connector=aiohttp.TCPConnector(limit=64),
                timeout=aiohttp.ClientTimeout(total=30),
            )
        async with self._session.post(self.base_url + path, json=body) as response:
            response.raise_for_status()
            return await response.json()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


def _letters(n: int) -> str:
    word = ""
    n += 26 * 26
    while n:
        n, rest = divmod(n, 26)
        word = chr(ord("a") + rest) + word
    return word.capitalize()


def baseline_send(client: Sender) -> Any:
    async def send(n: int) -> None:
        await client.post(f"/api/v1/care-episodes/{n}/readings", ALARMING)
    return send


async def throughput(stack: Stack, admin: dict[str, str], baseline: str, total: int, clients: int) -> dict[str, Any]:
    clinic = await Clinic.open(stack.url("gateway"), admin, patients=50, tag="throughput")
    client = Sender(baseline)
    base = await closed_loop(baseline_send(client), total, clients)
    await client.aclose()
    # CPU is counted until every reading is reflected in alerting, so the consumers' share is in.
    cpu = CpuMeter(stack, extra={"load generator": os.getpid()})
    cpu.start()
    run = await closed_loop(clinic.send, total, clients)
    while (count := await clinic.alert_count()) < total - run.errors:
        if time.perf_counter() - run.ended > 300:
            break
        await asyncio.sleep(0.1)
    reflected = time.perf_counter()
    where = cpu.per_item(total, reflected - run.started)
    await clinic.aclose()
    return {
        "readings": total, "clients": clients, "errors": run.errors, "alerts_visible": count,
        "accepted_per_second": round(run.per_second, 1),
        "baseline_requests_per_second": round(base.per_second, 1),
        "ratio_to_baseline": round(run.per_second / base.per_second, 3),
        "request_p50_ms": _ms(percentile(run.latencies, 50)), "request_p99_ms": _ms(percentile(run.latencies, 99)),
        "baseline_p50_ms": _ms(percentile(base.latencies, 50)), "baseline_p99_ms": _ms(percentile(base.latencies, 99)),
        "all_reflected_in_alerting_after_s": round(reflected - run.started, 2),
        "drain_after_last_accepted_s": round(reflected - run.ended, 2),
        "reflected_per_second": round(count / (reflected - run.started), 1),
        **where,
    }


async def latency(stack: Stack, admin: dict[str, str], baseline: str, rate: float, seconds: float,
                  tag: str = "latency") -> dict[str, Any]:
    """`tag` names the clinic (its structure and professional): one per run on a stack."""
    clinic = await Clinic.open(stack.url("gateway"), admin, patients=50, tag=tag)
    client = Sender(baseline)
    base = await open_loop(baseline_send(client), rate, seconds)
    await client.aclose()
    seen: dict[str, float] = {}
    watching = asyncio.Event()

    async def watch() -> None:
        while not watching.is_set():
            now = time.perf_counter()
            for alert in await clinic.recent_alerts():
                seen.setdefault(alert["reading_id"], now)
            await asyncio.sleep(0.02)

    watcher = asyncio.create_task(watch())
    run = await open_loop(clinic.send, rate, seconds)
    deadline = time.perf_counter() + 60
    while len(set(run.accepted) & set(seen)) < len(run.accepted) and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    watching.set()
    await watcher
    await clinic.aclose()
    # From the 201 to the alert; an alert can show before the 201 reaches a loaded client,
    # so the figure from the moment the reading was posted is given too (never negative).
    delays = [max(0.0, seen[r] - at) for r, at in run.accepted.items() if r in seen]
    from_posted = [seen[r] - at for r, at in run.posted.items() if r in seen]
    return {
        "rate_per_second": rate, "readings": len(run.accepted), "errors": run.errors,
        "alerts_seen": len(delays), "poll_interval_ms": 20,
        "alert_latency_p50_ms": _ms(percentile(delays, 50)), "alert_latency_p99_ms": _ms(percentile(delays, 99)),
        "posted_to_alert_p50_ms": _ms(percentile(from_posted, 50)),
        "posted_to_alert_p99_ms": _ms(percentile(from_posted, 99)),
        "request_p50_ms": _ms(percentile(run.latencies, 50)), "request_p99_ms": _ms(percentile(run.latencies, 99)),
        "baseline_p50_ms": _ms(percentile(base.latencies, 50)), "baseline_p99_ms": _ms(percentile(base.latencies, 99)),
    }


async def notified_run(stack: Stack, admin: dict[str, str], rate: float, seconds: float) -> dict[str, Any]:
    clinic = await Clinic.open(stack.url("gateway"), admin, patients=50, tag="notified")
    try:
        return await notified(stack, clinic, rate, seconds)
    finally:
        await clinic.aclose()


def start_baseline() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "ecovid_stack.bench.baseline", str(port)])
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{url}/health").status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError("baseline did not start")


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def run_all(stack: Stack, admin: dict[str, str], log_dir: Path) -> dict[str, Any]:
    process, baseline = start_baseline()
    try:
        return {
            "throughput": asyncio.run(throughput(stack, admin, baseline, total=3000, clients=16)),
            "latency_at_50_per_second": asyncio.run(latency(stack, admin, baseline, rate=50, seconds=20)),
            "notified_at_50_per_second": asyncio.run(notified_run(stack, admin, rate=50, seconds=20)),
        }
    finally:
        process.terminate()
        process.wait()
