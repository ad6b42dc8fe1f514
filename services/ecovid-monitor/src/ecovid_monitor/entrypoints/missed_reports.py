"""Background job: finds episodes past their reporting deadline and records the missed report.

Polling a table (not sleeping on timers) keeps deadlines across restarts; the
aggregate refuses a second missed report for the same gap, so overlapping polls
or a lagging table have no second effect.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import structlog

from ecovid_platform.storage import Storage

from ecovid_monitor.application import MonitorApplication
from ecovid_monitor.read_models.deadlines import due_episodes

log = structlog.get_logger(__name__)


def check_once(app: MonitorApplication, storage: Storage) -> int:
    """Records the missed reports due now; returns how many were recorded."""
    now = datetime.now(UTC)
    with storage.sessions() as session:
        due = due_episodes(session, now)
    recorded = 0
    for episode_id in due:
        recorded += app.record_overdue(episode_id, now, correlation_id=f"missed-report-{uuid.uuid4()}")
    if recorded:
        log.info("missed reports recorded", count=recorded)
    return recorded


def watcher(app: MonitorApplication, storage: Storage, period: float) -> Callable[[], Awaitable[None]]:
    async def watch_reporting_deadlines() -> None:
        while True:
            try:
                await asyncio.to_thread(check_once, app, storage)
            except Exception as error:  # noqa: BLE001 - the next poll retries; the process stays up
                log.warning("missed-report check failed", error=repr(error))
            await asyncio.sleep(period)

    return watch_reporting_deadlines
