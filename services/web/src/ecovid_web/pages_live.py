"""The alert feed, relayed to the browser on this origin: the gateway's Server-Sent Events
(`/api/v1/alerts/stream`, the user's token) become a bare `event: alert` per change, on which
the list and the inbox fetch their rows again (what changed is read through the API, never
from the relayed event, which carries nothing). A `settled` event follows a burst by
SETTLE_SECONDS: a read model of another service (the monitoring list) may learn of the reading a
moment after alerting raised its alert, and the rows are then fetched once more."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from ecovid_web.gateway import Gateway
from ecovid_web.web import gateway_of, signed_in

router = APIRouter()
ROLE = "professional"
SETTLE_SECONDS = 2.0
CHANGED = "event: alert\ndata: changed\n\n"
SETTLED = "event: settled\ndata: changed\n\n"


async def _read(gateway: Gateway, token: str | None, changes: asyncio.Queue[bool]) -> None:
    """Puts True per change of the gateway's feed, then False when the feed ends."""
    try:
        async with gateway.client.stream("GET", "/alerts/stream", headers={"authorization": f"Bearer {token}"},
                                         timeout=httpx.Timeout(10, read=None)) as upstream:
            if upstream.status_code == 200:  # else an expired token: the next poll signs the user out
                async for line in upstream.aiter_lines():
                    if line.startswith("event:"):
                        changes.put_nowait(True)
    except httpx.HTTPError:
        pass  # the browser's EventSource reconnects after `retry`
    finally:
        changes.put_nowait(False)


@router.get("/live")
async def live(request: Request) -> Response:
    session = signed_in(request, ROLE)
    gateway, token = gateway_of(request), session.token

    async def relayed() -> AsyncIterator[str]:
        changes: asyncio.Queue[bool] = asyncio.Queue()
        reader = asyncio.create_task(_read(gateway, token, changes))
        loop = asyncio.get_running_loop()
        settle_at: float | None = None
        try:
            yield "retry: 3000\n\n"
            while True:
                wait = None if settle_at is None else max(0.0, settle_at - loop.time())
                try:
                    more = await asyncio.wait_for(changes.get(), wait)
                except TimeoutError:
                    settle_at = None
                    yield SETTLED
                    continue
                if not more:
                    if settle_at is not None:
                        yield SETTLED
                    return
                yield CHANGED
                settle_at = loop.time() + SETTLE_SECONDS
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    return StreamingResponse(relayed(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
