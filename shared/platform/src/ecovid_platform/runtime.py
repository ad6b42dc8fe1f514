"""Runs one service process: its HTTP API, its Kafka consumers, its outbox relay.

Any part that dies stops the process with a non-zero exit, so the supervisor
(or Kubernetes) sees the failure instead of a half-alive service. SIGTERM or SIGINT
stops it cleanly, with exit 0: the server drains, the jobs stop, the clients close
and the Kafka consumers leave their groups.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import anyio.to_thread
import structlog
import uvicorn
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from ecovid_platform.consumer import IdempotentConsumer
from ecovid_platform.http import SERVER_KEEP_ALIVE_SECONDS, contain_failures
from ecovid_platform.outbox import OutboxRelay
from ecovid_platform.settings import ServiceSettings

log = structlog.get_logger(__name__)


class _Server(uvicorn.Server):
    """uvicorn re-raises the signal it caught once its server has shut down, which ends
    the process before the consumers leave their groups and the clients close: the
    process handles SIGTERM and SIGINT itself (`ServiceProcess.run`)."""

    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[no-untyped-def]
        yield


@dataclass
class ServiceProcess:
    name: str
    settings: ServiceSettings
    http: FastAPI
    broker: KafkaBroker
    relay: OutboxRelay | None = None
    consumers: Sequence[IdempotentConsumer] = ()
    background: Sequence[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Awaited once the server and the jobs have stopped (HTTP client sessions, …).
    closing: Sequence[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def run(self) -> int:
        # Threads for the blocking (def) routes. Starlette allows 40; on a couple of cores,
        # beyond a few they only queue on the interpreter lock and the database pool.
        anyio.to_thread.current_default_thread_limiter().total_tokens = self.settings.http_threads
        for consumer in self.consumers:
            consumer.subscribe(self.broker)
        server = _Server(uvicorn.Config(
            contain_failures(self.http),
            host=self.settings.http_host,
            port=self.settings.http_port,
            log_config=None,
            access_log=False,
            http="httptools",  # the C parser: the pure-Python h11 costs every request
            timeout_keep_alive=SERVER_KEEP_ALIVE_SECONDS,
        ))
        asked_to_stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, asked_to_stop.set)
        # HTTP first: /health/live answers while the consumers join their groups (seconds,
        # longer after a crash), and /health/ready says what is still missing.
        serving = asyncio.create_task(server.serve(), name="http")
        stop_signal = asyncio.create_task(asked_to_stop.wait(), name="signal")
        starting = asyncio.create_task(_awaited(self.broker.start()), name="broker")
        done, _ = await asyncio.wait([serving, stop_signal, starting], return_when=asyncio.FIRST_COMPLETED)
        workers: list[asyncio.Task[None]] = []
        if starting in done and starting.exception() is None:
            done.discard(starting)
            workers = [asyncio.create_task(_awaited(job()), name=job.__qualname__) for job in self._jobs()]
            log.info("service started", port=self.settings.http_port)
            done, _ = await asyncio.wait([serving, stop_signal, *workers], return_when=asyncio.FIRST_COMPLETED)
        failed = [task for task in done if task not in (serving, stop_signal)]
        for task in failed:
            log.error("service part stopped", part=task.get_name(), error=repr(task.exception()))
        server.should_exit = True
        for task in [*workers, stop_signal, starting]:
            task.cancel()
        await asyncio.gather(serving, stop_signal, starting, *workers, return_exceptions=True)
        for close in self.closing:
            await close()
        await self.broker.stop()
        for consumer in self.consumers:
            await consumer.close()
        log.info("service stopped", failed=len(failed))
        return 1 if failed else 0

    def _jobs(self) -> list[Callable[[], Awaitable[None]]]:
        jobs = list(self.background)
        if self.relay is not None:
            jobs.append(self.relay.run)
        return jobs


async def _awaited(awaitable: Awaitable[None]) -> None:
    """A task needs a coroutine; the broker's start and the jobs are only typed awaitable."""
    await awaitable
