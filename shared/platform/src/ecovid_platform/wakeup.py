"""What a polling task (outbox relay, local projector, chain sealer, checkpoint relay) waits on
between passes: rung from any thread after a save, so a new event need not wait for the poll."""

from __future__ import annotations

import asyncio


class Wakeup:
    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self) -> None:
        """In the waiting task, before its first pass: rings before then are not needed (the
        first pass reads everything saved so far)."""
        self._loop = asyncio.get_running_loop()

    @property
    def bound(self) -> bool:
        return self._loop is not None

    def ring(self) -> None:
        """Thread-safe."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._event.set)

    async def wait(self, seconds: float, linger: float = 0.0) -> None:
        """Until rung or `seconds` passed. Once rung, `linger` more: saves come in bursts under
        load, and what is saved meanwhile goes in the same pass."""
        try:
            await asyncio.wait_for(self._event.wait(), seconds)
        except TimeoutError:
            return
        if linger:
            await asyncio.sleep(linger)
        self._event.clear()
