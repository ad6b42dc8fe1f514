"""What the gateway's routes share: clients of each service, tokens, accounts, access checks."""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

from fastapi import HTTPException

from gateway.application import GatewayApplication
from gateway.clients import ServiceClient
from gateway.security import Principal, TokenIssuer


@dataclass
class Services:
    dossier: ServiceClient
    monitor: ServiceClient
    alerting: ServiceClient
    care_circle: ServiceClient
    documents: ServiceClient

    async def aclose(self) -> None:
        for client in (self.dossier, self.monitor, self.alerting, self.care_circle, self.documents):
            await client.aclose()


@dataclass
class Gateway:
    app: GatewayApplication
    services: Services
    tokens: TokenIssuer
    # An episode never changes patient: caching the link saves a call per reading.
    _episode_patients: OrderedDict[uuid.UUID, uuid.UUID] = field(default_factory=OrderedDict)

    async def check_patient_access(
        self, patient_id: uuid.UUID, principal: Principal, method: str, route: str,
        correlation_id: str,
    ) -> None:
        """A professional sees a patient only if in the care circle; every try is traced."""
        allowed = False
        if principal.role == "professional":
            answer = await self.services.care_circle.call(
                "GET", "/access", principal=principal, correlation_id=correlation_id,
                params={"patient_id": str(patient_id), "professional_id": str(principal.subject_id)},
            )
            allowed = bool(answer["allowed"])
        await asyncio.to_thread(
            self.app.record_access, patient_id, method, route, 200 if allowed else 403,
            principal, correlation_id,
        )
        if not allowed:
            raise HTTPException(status_code=403, detail="you are not in this patient's care circle")

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
