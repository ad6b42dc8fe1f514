"""The service process: a part that dies stops it with exit 1; SIGTERM stops it with exit 0."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from typing import Any

import httpx
from fastapi import FastAPI

from ecovid_platform.consumer import IdempotentConsumer, Projects
from ecovid_platform.runtime import ServiceProcess
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage


class Broker:
    def __init__(self, fails_to_start: BaseException | None = None) -> None:
        self.fails_to_start, self.started, self.stopped = fails_to_start, False, False
        self.subscribed: list[tuple[str, ...]] = []

    async def start(self) -> None:
        if self.fails_to_start is not None:
            raise self.fails_to_start
        self.started = True

    async def stop(self) -> None:
        self.stopped = True

    def subscriber(self, *topics: str, **options: Any):  # type: ignore[no-untyped-def]
        self.subscribed.append(topics)
        return lambda handler: handler


def process(broker: Broker, storage: Storage, **parts: Any) -> ServiceProcess:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    http = FastAPI()

    @http.get("/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    consumer = IdempotentConsumer(name="platform-test.c", topics=["t"], storage=storage,
                                  handlers={"PatientRegistered": Projects(lambda session, event: None)})
    return ServiceProcess(name="platform-test", settings=ServiceSettings(http_port=port, _env_file=None),
                          http=http, broker=broker, consumers=[consumer], **parts)  # type: ignore[arg-type]


async def test_a_background_job_that_dies_stops_the_process_with_exit_1(storage: Storage) -> None:
    closed: list[str] = []

    async def job() -> None:
        raise RuntimeError("watcher died")

    async def close() -> None:
        closed.append("clients")

    broker = Broker()
    service = process(broker, storage, background=[job], closing=[close])
    assert await asyncio.wait_for(service.run(), 30) == 1
    assert broker.subscribed == [("t",)] and broker.started and broker.stopped
    assert closed == ["clients"]


async def test_a_broker_that_cannot_start_stops_the_process_with_exit_1(storage: Storage) -> None:
    broker = Broker(fails_to_start=ConnectionError("no broker"))
    assert await asyncio.wait_for(process(broker, storage).run(), 30) == 1
    assert broker.stopped


async def test_sigterm_stops_the_process_cleanly_with_exit_0(storage: Storage) -> None:
    broker = Broker()
    started = asyncio.Event()

    async def job() -> None:
        started.set()
        await asyncio.Event().wait()  # runs until cancelled

    service = process(broker, storage, background=[job])
    running = asyncio.create_task(service.run())
    await asyncio.wait_for(started.wait(), 30)
    async with httpx.AsyncClient() as client:
        for _ in range(300):  # the server may still be binding its socket
            try:
                answer = await client.get(f"http://127.0.0.1:{service.settings.http_port}/ping")
                break
            except httpx.ConnectError:
                await asyncio.sleep(0.02)
    assert answer.json() == {"pong": "yes"}
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(running, 30) == 0
    assert broker.stopped
