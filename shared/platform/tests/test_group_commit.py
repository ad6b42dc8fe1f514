"""Group commit: concurrent callers share one write, each gets its own outcome."""

from __future__ import annotations

import asyncio
import threading

import structlog

from ecovid_platform.group_commit import GroupCommit


class Store:
    def __init__(self, fail_with: Exception | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_with = fail_with

    def write(self, items: list[int]) -> list[int | Exception]:
        if self.fail_with is not None:
            raise self.fail_with
        self.batches.append(items)
        return [ValueError(f"odd {n}") if n % 2 else n * 10 for n in items]


async def test_callers_that_arrive_together_share_a_batch_and_keep_their_own_outcome() -> None:
    store = Store()
    commit = GroupCommit(store.write)
    outcomes = await asyncio.gather(*(commit.submit(n) for n in range(6)), return_exceptions=True)
    assert [o if isinstance(o, int) else str(o) for o in outcomes] == [0, "odd 1", 20, "odd 3", 40, "odd 5"]
    assert store.batches == [[0, 1, 2, 3, 4, 5]]


async def test_callers_that_arrive_during_a_write_go_together_in_the_next() -> None:
    started, release = threading.Event(), threading.Event()
    batches: list[list[int]] = []

    def slow_write(items: list[int]) -> list[int]:
        batches.append(items)
        started.set()
        release.wait(5)
        return items

    commit = GroupCommit(slow_write)
    first = asyncio.create_task(commit.submit(1))
    await asyncio.to_thread(started.wait, 5)
    later = [asyncio.create_task(commit.submit(n)) for n in (2, 3, 4)]
    await asyncio.sleep(0.01)
    release.set()
    assert await asyncio.gather(first, *later) == [1, 2, 3, 4]
    assert batches == [[1], [2, 3, 4]]


async def test_a_batch_is_never_larger_than_asked() -> None:
    store = Store()
    commit = GroupCommit(store.write, max_batch=2)
    await asyncio.gather(*(commit.submit(n * 2) for n in range(5)))
    assert [len(b) for b in store.batches] == [2, 2, 1]
    assert sorted(n for b in store.batches for n in b) == [0, 2, 4, 6, 8]


async def test_a_failed_write_fails_every_caller_of_that_batch_and_the_next_batch_goes_on() -> None:
    store = Store(fail_with=OSError("database down"))
    commit = GroupCommit(store.write)
    outcomes = await asyncio.gather(*(commit.submit(n) for n in range(3)), return_exceptions=True)
    assert all(isinstance(o, OSError) for o in outcomes)
    store.fail_with = None
    assert await commit.submit(4) == 40


async def test_a_write_that_answers_for_too_few_items_fails_them_rather_than_leaving_them_waiting() -> None:
    commit: GroupCommit[int, int] = GroupCommit(lambda items: [1])
    outcomes = await asyncio.gather(*(commit.submit(n) for n in range(3)), return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert await commit.submit(7) == 1


async def test_the_batch_does_not_log_under_the_correlation_id_of_the_request_that_started_it() -> None:
    commit = GroupCommit(lambda items: [structlog.contextvars.get_contextvars() for _ in items])
    structlog.contextvars.bind_contextvars(service="test", correlation_id="first-request")
    try:
        outcomes = await asyncio.gather(commit.submit(1), commit.submit(2))
        # The request's own context is left as it was.
        assert structlog.contextvars.get_contextvars()["correlation_id"] == "first-request"
    finally:
        structlog.contextvars.clear_contextvars()
    assert outcomes == [{"service": "test"}, {"service": "test"}]
