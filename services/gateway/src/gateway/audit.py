"""The access audit trail, written by group commit.

Each request waits until its trace is stored (nothing is answered untraced),
but concurrent requests share one transaction instead of one each.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field

from ecovid_platform.group_commit import GroupCommit

from gateway.application import GatewayApplication
from gateway.security import Principal

# The caller's network address, set per request by the public API's middleware: every
# access record says where from without each route passing it along.
client_address: ContextVar[str | None] = ContextVar("client_address", default=None)


@dataclass(frozen=True)
class Access:
    patient_id: uuid.UUID
    method: str
    route: str
    status_code: int
    principal: Principal
    correlation_id: str
    address: str | None = field(default_factory=client_address.get)


class AuditTrail:
    def __init__(self, app: GatewayApplication, max_batch: int = 200) -> None:
        self.app = app
        self._commit: GroupCommit[Access, None] = GroupCommit(self._write, max_batch)

    async def record(self, access: Access) -> None:
        await self._commit.submit(access)

    def _write(self, accesses: list[Access]) -> list[None]:
        self.app.record_accesses(accesses)
        return [None] * len(accesses)
