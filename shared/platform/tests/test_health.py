"""Live answers while the process is up; ready only when every check passes, naming what fails."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ecovid_platform.health import Check, NotReady, consumers_joined, health_router


async def passes() -> None:
    return None


async def broker_down() -> None:
    raise NotReady("broker 127.0.0.1:9092 does not answer")


async def hangs() -> None:
    await asyncio.Event().wait()


def client(checks: dict[str, Check], timeout: float = 2.0) -> TestClient:
    api = FastAPI()
    api.include_router(health_router("dossier", checks, timeout=timeout))
    return TestClient(api)


def test_live_answers_without_asking_any_dependency() -> None:
    """Break: let /health/live run the checks -> fails (503, and the hanging check is awaited)."""
    answer = client({"broker": broker_down, "database": hangs}).get("/health/live")
    assert (answer.status_code, answer.json()) == (200, {"service": "dossier", "status": "live"})


@pytest.mark.parametrize("path", ["/health/ready", "/health"])
def test_ready_when_every_check_passes(path: str) -> None:
    answer = client({"database": passes, "broker": passes}).get(path)
    assert answer.status_code == 200
    assert answer.json() == {"service": "dossier", "status": "ready", "checks": {"database": "ok", "broker": "ok"}}


@pytest.mark.parametrize("path", ["/health/ready", "/health"])
def test_a_failing_check_makes_it_503_and_is_named_with_its_reason(path: str) -> None:
    """Break: answer 200 whatever the checks say (or drop the reason from `detail`) -> fails."""
    answer = client({"database": passes, "broker": broker_down}).get(path)
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "not ready"
    assert body["detail"] == "not ready: broker: broker 127.0.0.1:9092 does not answer"
    assert body["checks"] == {"database": "ok", "broker": "failing: broker 127.0.0.1:9092 does not answer"}


async def test_a_check_that_hangs_fails_after_the_timeout_and_the_others_still_answer() -> None:
    """Break: await the check without `wait_for` -> fails (no answer within the test's 5 s bound)."""
    api = FastAPI()
    api.include_router(health_router("dossier", {"database": hangs, "broker": passes}, timeout=0.2))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(api), base_url="http://dossier") as http:
        answer = await asyncio.wait_for(http.get("/health/ready"), timeout=5)
    assert answer.status_code == 503
    assert answer.json()["checks"] == {"database": "failing: no answer within 0.2 s", "broker": "ok"}


def test_an_unexpected_error_names_its_type_when_it_has_no_message() -> None:
    async def refused() -> None:
        raise ConnectionRefusedError

    answer = client({"database": refused}).get("/health/ready")
    assert (answer.status_code, answer.json()["checks"]) == (503, {"database": "failing: ConnectionRefusedError"})


@dataclass
class FakeConsumer:
    partitions: set[str] = field(default_factory=set)

    def assignment(self) -> set[str]:
        return self.partitions


@dataclass
class FakeSubscriber:
    group_id: str
    consumer: FakeConsumer | None = None
    running: bool = False


@dataclass
class FakeBroker:
    subscribers: list[FakeSubscriber]


async def test_consumers_are_ready_once_each_group_has_its_partitions_and_stay_ready_through_a_rebalance() -> None:
    """Break: count a started consumer with no partitions yet as joined -> fails."""
    alerts, lists = FakeSubscriber("alerting.alerts"), FakeSubscriber("alerting.lists")
    check = consumers_joined(FakeBroker([alerts, lists]))
    with pytest.raises(NotReady, match="alerting.alerts, alerting.lists"):
        await check()
    alerts.consumer, alerts.running = FakeConsumer({"ecovid-monitor.events-0"}), True
    lists.consumer, lists.running = FakeConsumer(), True  # started, but the group is still joining
    with pytest.raises(NotReady, match="not joined yet: alerting.lists$"):
        await check()
    lists.consumer.partitions = {"alerting.events-0"}
    await check()
    alerts.consumer.partitions = set()  # a rebalance under way: the service still serves
    await check()


async def test_a_service_without_consumers_is_ready_on_that_count() -> None:
    await consumers_joined(FakeBroker([]))()
