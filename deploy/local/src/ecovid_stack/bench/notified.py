"""Issue 11's figures at 50 alarming readings/s: reading accepted -> its alert change on the SSE
feed (AlertRaised or AlertUpdated naming the reading), and -> the email in the development
mailbox. Only the first reading of each episode raises an alert, which is mailed; later ones
update it and send nothing: the email figure has one sample per episode (50)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx

from ecovid_stack.bench.load import open_loop, percentile
from ecovid_stack.stack import Stack


class Feed:
    """The SSE stream read as it comes: when each reading showed, and which reading raised each alert."""

    def __init__(self) -> None:
        self.seen: dict[str, float] = {}
        self.raised_by: dict[str, str] = {}  # alert id -> reading id
        self.ready = asyncio.Event()

    async def listen(self, client: httpx.AsyncClient) -> None:
        async with client.stream("GET", "/api/v1/alerts/stream", timeout=httpx.Timeout(30, read=None)) as answer:
            self.ready.set()
            async for line in answer.aiter_lines():
                if not line.startswith("data: "):
                    continue
                event = json.loads(line[6:])
                payload = event["payload"]
                if payload.get("reading_id"):
                    self.seen.setdefault(payload["reading_id"], time.perf_counter())
                if event["event_type"] == "AlertRaised" and payload.get("reading_id"):
                    self.raised_by[payload["alert_id"]] = payload["reading_id"]


def mailed_at(mailbox: Path, alert_ids: set[str]) -> dict[str, float]:
    """alert id -> when its first mail was written (on the perf_counter clock)."""
    offset = time.perf_counter() - time.time()
    found: dict[str, float] = {}
    for path in mailbox.glob("*.eml") if mailbox.exists() else []:
        alert_id = path.name.split(".", 1)[0]
        if alert_id in alert_ids:
            found[alert_id] = min(found.get(alert_id, float("inf")), path.stat().st_mtime + offset)
    return found


async def notified(stack: Stack, clinic: Any, rate: float, seconds: float) -> dict[str, Any]:
    feed = Feed()
    listener = asyncio.create_task(feed.listen(clinic.client))
    await asyncio.wait_for(feed.ready.wait(), 30)
    run = await open_loop(clinic.send, rate, seconds)
    deadline = time.perf_counter() + 60
    while len(set(run.accepted) & set(feed.seen)) < len(run.accepted) and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    while len(mailed := mailed_at(stack.mailbox, set(feed.raised_by))) < len(feed.raised_by) \
            and time.perf_counter() < deadline + 60:
        await asyncio.sleep(0.2)
    listener.cancel()
    sse = [max(0.0, feed.seen[r] - at) for r, at in run.accepted.items() if r in feed.seen]
    mail = [max(0.0, at - run.accepted[feed.raised_by[a]]) for a, at in mailed.items()
            if feed.raised_by[a] in run.accepted]
    return {
        "rate_per_second": rate, "readings": len(run.accepted), "errors": run.errors,
        "sse_changes_seen": len(sse), "reading_to_sse_p50_ms": _ms(percentile(sse, 50)),
        "reading_to_sse_p99_ms": _ms(percentile(sse, 99)),
        "emails_seen": len(mail), "reading_to_email_p50_ms": _ms(percentile(mail, 50)),
        "reading_to_email_p99_ms": _ms(percentile(mail, 99)),
    }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)
