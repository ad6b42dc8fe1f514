"""Group commit: concurrent requests share one database transaction.

Each caller waits until its own item is stored (nothing is answered before it is
durable), but while one batch is being written, the items that arrive queue up
and go together in the next: one transaction, one thread hop and one fsync for
many requests instead of one each. Under light load a batch holds one item and
nothing waits longer than it would alone.

The write function takes the batch and gives back one outcome per item, in
order: a value, or the exception that item alone raises (a domain error). An
exception raised by the write function itself fails every item of the batch.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import structlog

log = structlog.get_logger(__name__)

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    # A write slower than this is logged: every caller of the batch waited that long.
    SLOW_SECONDS = 0.2

    def __init__(self, write: Callable[[list[T]], Sequence[R | BaseException]], max_batch: int = 200) -> None:
        self.write, self.max_batch = write, max_batch
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        done: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, done))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        return await done

    async def _flush(self) -> None:
        # The task runs in a copy of the context of the request that started it; the batch
        # serves many requests, so its log lines must not carry that one's correlation id.
        structlog.contextvars.unbind_contextvars("correlation_id", "patient_id")
        while self._pending:
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch:]
            started = time.perf_counter()
            try:
                outcomes = list(await asyncio.to_thread(self.write, [item for item, _ in batch]))
                if len(outcomes) != len(batch):
                    raise RuntimeError(f"{len(outcomes)} outcomes for a batch of {len(batch)}")
            except Exception as error:  # noqa: BLE001 - every waiting caller learns of it
                outcomes = [error] * len(batch)
            if (took := time.perf_counter() - started) > self.SLOW_SECONDS:
                log.warning("group commit slow", items=len(batch), ms=round(took * 1000, 1))
            for (_, done), outcome in zip(batch, outcomes, strict=True):
                if done.cancelled():
                    continue  # the caller went away; its item is stored all the same
                if isinstance(outcome, BaseException):
                    done.set_exception(outcome)
                else:
                    done.set_result(outcome)
