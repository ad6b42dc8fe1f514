"""Runs one service process: its HTTP API, its Kafka consumers, its outbox relay.

Any part that dies stops the process with a non-zero exit, so the supervisor
(or Kubernetes) sees the failure instead of a half-alive service.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import anyio.to_thread
import structlog
import uvicorn
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from ecovid_platform.consumer import IdempotentConsumer
from ecovid_platform.outbox import OutboxRelay
from ecovid_platform.settings import ServiceSettings

log = structlog.get_logger(__name__)


@dataclass
class ServiceProcess:
    name: str
    settings: ServiceSettings
    http: FastAPI
    broker: KafkaBroker
    relay: OutboxRelay | None = None
    consumers: Sequence[IdempotentConsumer] = ()
    background: Sequence[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def run(self) -> int:
        # Threads for the blocking (def) routes. Starlette allows 40; on a couple of cores,
        # beyond a few they only queue on the interpreter lock and the database pool.
        anyio.to_thread.current_default_thread_limiter().total_tokens = self.settings.http_threads
        for consumer in self.consumers:
            consumer.subscribe(self.broker)
        await self.broker.start()
        server = uvicorn.Server(uvicorn.Config(
            self.http,
            host=self.settings.http_host,
            port=self.settings.http_port,
            log_config=None,
            access_log=False,
            http="httptools",  # the C parser: the pure-Python h11 costs every request
        ))
        workers = [asyncio.create_task(job(), name=job.__qualname__) for job in self._jobs()]
        serving = asyncio.create_task(server.serve(), name="http")
        log.info("service started", port=self.settings.http_port)
        done, _ = await asyncio.wait([serving, *workers], return_when=asyncio.FIRST_COMPLETED)
        failed = [task for task in done if task is not serving]
        for task in failed:
            log.error("service part stopped", part=task.get_name(), error=repr(task.exception()))
        server.should_exit = True
        for task in workers:
            task.cancel()
        await asyncio.gather(serving, *workers, return_exceptions=True)
        await self.broker.stop()
        return 1 if failed else 0

    def _jobs(self) -> list[Callable[[], Awaitable[None]]]:
        jobs = list(self.background)
        if self.relay is not None:
            jobs.append(self.relay.run)
        return jobs
