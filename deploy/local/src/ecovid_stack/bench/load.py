"""Load generators: closed loop (as fast as N clients go) and open loop (a fixed rate)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Run:
    started: float
    ended: float = 0.0
    latencies: list[float] = field(default_factory=list)
    accepted: dict[str, float] = field(default_factory=dict)  # reading id -> when accepted
    posted: dict[str, float] = field(default_factory=dict)  # reading id -> when the request left
    errors: int = 0

    @property
    def per_second(self) -> float:
        return len(self.latencies) / (self.ended - self.started)


Send = Callable[[int], Awaitable[str | None]]


async def closed_loop(send: Send, total: int, clients: int) -> Run:
    run = Run(started=time.perf_counter())
    counter = iter(range(total))

    async def client() -> None:
        for n in counter:
            await _timed(send, n, run)

    await asyncio.gather(*(client() for _ in range(clients)))
    run.ended = time.perf_counter()
    return run


async def open_loop(send: Send, rate: float, seconds: float) -> Run:
    """Starts one request every 1/rate s whatever the previous ones do (no coordinated omission)."""
    run = Run(started=time.perf_counter())
    tasks = []
    for n in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, run.started + n / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(_timed(send, n, run)))
    await asyncio.gather(*tasks)
    run.ended = time.perf_counter()
    return run


async def _timed(send: Send, n: int, run: Run) -> None:
    began = time.perf_counter()
    try:
        reading_id = await send(n)
    except Exception:  # noqa: BLE001 - counted, and the bench reports it
        run.errors += 1
        return
    now = time.perf_counter()
    run.latencies.append(now - began)
    if reading_id:
        run.accepted[reading_id] = now
        run.posted[reading_id] = began


def percentile(values: list[float], q: float) -> float:
    """`q` in percent (50, 99): a fraction would pass unseen as the minimum (it did, once)."""
    if not 1 <= q <= 100:
        raise ValueError(f"percentile {q}: give it in percent, 1 to 100")
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]
