"""The access audit trail, written by group commit.

Each request waits until its trace is stored (nothing is answered untraced),
but concurrent requests share one transaction instead of one each.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from gateway.application import GatewayApplication
from gateway.security import Principal


@dataclass(frozen=True)
class Access:
    patient_id: uuid.UUID
    method: str
    route: str
    status_code: int
    principal: Principal
    correlation_id: str


class AuditTrail:
    def __init__(self, app: GatewayApplication, max_batch: int = 200) -> None:
        self.app, self.max_batch = app, max_batch
        self._pending: list[tuple[Access, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def record(self, access: Access) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((access, done))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch:]
            try:
                await asyncio.to_thread(self.app.record_accesses, [access for access, _ in batch])
            except Exception as error:  # noqa: BLE001 - every waiting request learns of it
                for _, done in batch:
                    done.set_exception(error)
            else:
                for _, done in batch:
                    done.set_result(None)
