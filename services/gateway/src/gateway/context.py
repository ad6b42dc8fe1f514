"""What the gateway's routes share: clients of each service, tokens, access checks, the audit trail."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import HTTPException

from gateway.application import GatewayApplication
from gateway.audit import Access, AuditTrail
from gateway.clients import ServiceClient
from gateway.security import Principal, TokenIssuer

# A granted access is re-asked of care-circle after this long: the most a removal
# made through another gateway replica can lag. Removals through this one are immediate.
ACCESS_GRANT_SECONDS = 2.0


@dataclass
class Services:
    dossier: ServiceClient
    monitor: ServiceClient
    alerting: ServiceClient
    care_circle: ServiceClient
    documents: ServiceClient

    def all(self) -> tuple[ServiceClient, ...]:
        return (self.dossier, self.monitor, self.alerting, self.care_circle, self.documents)

    async def aclose(self) -> None:
        for client in self.all():
            await client.aclose()


@dataclass
class Gateway:
    app: GatewayApplication
    services: Services
    tokens: TokenIssuer
    audit: AuditTrail
    clock: Callable[[], float] = time.monotonic  # for the grants' lifetime; a test moves it
    # An episode never changes patient: caching the link saves a call per reading.
    _episode_patients: OrderedDict[uuid.UUID, uuid.UUID] = field(default_factory=OrderedDict)
    _grants: dict[tuple[uuid.UUID, uuid.UUID], float] = field(default_factory=dict)

    async def check_patient_access(
        self, patient_id: uuid.UUID, principal: Principal, method: str, route: str,
        correlation_id: str,
    ) -> None:
        """A professional sees a patient only if in the care circle; every try is traced."""
        allowed = principal.role == "professional" and await self._in_circle(
            patient_id, principal, correlation_id
        )
        await self.audit.record(Access(
            patient_id, method, route, 200 if allowed else 403, principal, correlation_id
        ))
        if not allowed:
            raise HTTPException(status_code=403, detail="you are not in this patient's care circle")

    def forget_grant(self, patient_id: uuid.UUID, professional_id: uuid.UUID) -> None:
        self._grants.pop((patient_id, professional_id), None)

    async def _in_circle(self, patient_id: uuid.UUID, principal: Principal, correlation_id: str) -> bool:
        key = (patient_id, principal.subject_id)
        if self._grants.get(key, 0.0) > self.clock():
            return True
        answer = await self.services.care_circle.call(
            "GET", "/access", principal=principal, correlation_id=correlation_id,
            params={"patient_id": str(patient_id), "professional_id": str(principal.subject_id)},
        )
        if answer["allowed"]:
            if len(self._grants) > 100_000:
                self._grants.clear()
            self._grants[key] = self.clock() + ACCESS_GRANT_SECONDS
        return bool(answer["allowed"])

    async def patient_of_episode(
        self, episode_id: uuid.UUID, principal: Principal, correlation_id: str
    ) -> uuid.UUID:
        cached = self._episode_patients.get(episode_id)
        if cached is not None:
            return cached
        episode = await self.services.monitor.call(
            "GET", f"/episodes/{episode_id}", principal=principal, correlation_id=correlation_id
        )
        patient_id = uuid.UUID(episode["patient_id"])
        self._episode_patients[episode_id] = patient_id
        if len(self._episode_patients) > 100_000:
            self._episode_patients.popitem(last=False)
        return patient_id
