"""What the gateway's routes share: clients of each service, tokens, access checks, the audit trail."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import HTTPException

from ecovid_api.care_circle import CircleAccess
from ecovid_platform.storage import Storage

from gateway.application import GatewayApplication
from gateway.audit import Access, AuditTrail
from gateway.clients import ServiceClient
from gateway.mail import Mailer
from gateway.mfa import Challenges
from gateway.oidc import OidcProvider
from gateway.security import Principal, TokenIssuer
from gateway.sessions import LoginThrottle, Sessions

# A granted access is re-asked of care-circle after this long: the most a removal
# made through another gateway replica can lag. Removals through this one are immediate.
ACCESS_GRANT_SECONDS = 2.0
# Whoever is not a professional (the admin, an auditor, a patient) is never in a circle.
NOT_IN_CIRCLE = CircleAccess(allowed=False)


@dataclass
class Services:
    dossier: ServiceClient
    monitor: ServiceClient
    alerting: ServiceClient
    care_circle: ServiceClient
    documents: ServiceClient
    admissions: ServiceClient

    def all(self) -> tuple[ServiceClient, ...]:
        return (self.dossier, self.monitor, self.alerting, self.care_circle, self.documents, self.admissions)

    async def aclose(self) -> None:
        for client in self.all():
            await client.aclose()


@dataclass(frozen=True)
class Scope:
    """Whom a caller may see in lists: their circles' patients (and live emergency accesses);
    a coordinator also sees their structure's enrolled patients."""

    patient_ids: frozenset[str]
    coordinator_of: uuid.UUID | None = None

    def __contains__(self, patient_id: object) -> bool:
        return str(patient_id) in self.patient_ids


NOBODY = Scope(frozenset())


@dataclass
class Portal:
    mailer: Mailer
    invitation_days: int = 7
    activation_url: str = "http://localhost:8000/portal/activate"


@dataclass
class Gateway:
    app: GatewayApplication
    services: Services
    tokens: TokenIssuer
    audit: AuditTrail
    sessions: Sessions
    storage: Storage
    portal: Portal
    challenges: Challenges
    require_mfa: bool = False
    oidc: OidcProvider | None = None
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    clock: Callable[[], float] = time.monotonic  # for the grants' lifetime; a test moves it
    # An episode never changes patient: caching the link saves a call per reading.
    _episode_patients: OrderedDict[uuid.UUID, uuid.UUID] = field(default_factory=OrderedDict)
    # (patient, professional) -> (until when, care-circle's answer: the role with it)
    _grants: dict[tuple[uuid.UUID, uuid.UUID], tuple[float, CircleAccess]] = field(default_factory=dict)

    async def check_patient_access(
        self, patient_id: uuid.UUID, principal: Principal, method: str, route: str,
        correlation_id: str, *, documents_and_notes: bool = False,
    ) -> CircleAccess:
        """A professional sees a patient only if in the care circle, and the patient's documents
        and shared notes (`documents_and_notes`) only if their role opens them; every try is
        traced. Answers the circle's answer, for a route that leaves notes out of a view."""
        access = NOT_IN_CIRCLE
        if principal.role == "professional":
            access = await self._in_circle(patient_id, principal, correlation_id)
        refusal = None
        if not access.allowed:
            refusal = "you are not in this patient's care circle"
        elif documents_and_notes and not access.documents_and_notes:
            refusal = f"your role in this care circle ({access.role}) does not give access to documents and notes"
        await self.audit.record(Access(
            patient_id, method, route, 403 if refusal else 200, principal, correlation_id
        ))
        if refusal:
            raise HTTPException(status_code=403, detail=refusal)
        return access

    def forget_grant(self, patient_id: uuid.UUID, professional_id: uuid.UUID) -> None:
        self._grants.pop((patient_id, professional_id), None)

    def forget_grants_of(self, professional_id: uuid.UUID) -> None:
        for key in [k for k in self._grants if k[1] == professional_id]:
            self._grants.pop(key, None)

    async def scope(self, principal: Principal, correlation_id: str) -> Scope:
        """Asked of care-circle at each list (never cached): a removal shows at once."""
        if principal.role != "professional":
            return NOBODY
        found = await self.services.care_circle.call(
            "GET", f"/professionals/{principal.subject_id}/scope", principal=principal,
            correlation_id=correlation_id,
        )
        coordinator = found.get("profession") == "coordinator" and found.get("structure_id")
        return Scope(frozenset(found["patient_ids"]),
                     uuid.UUID(found["structure_id"]) if coordinator else None)

    async def audit_list(
        self, principal: Principal, route: str, patient_ids: list[str], correlation_id: str
    ) -> None:
        """A list view is an access to each patient it shows: one granted record each."""
        await asyncio.gather(*(self.audit.record(Access(
            uuid.UUID(patient), "GET", route, 200, principal, correlation_id
        )) for patient in dict.fromkeys(patient_ids)))

    async def _in_circle(self, patient_id: uuid.UUID, principal: Principal, correlation_id: str) -> CircleAccess:
        key = (patient_id, principal.subject_id)
        kept = self._grants.get(key)
        if kept is not None and kept[0] > self.clock():
            return kept[1]
        access = CircleAccess.model_validate(await self.services.care_circle.call(
            "GET", "/access", principal=principal, correlation_id=correlation_id,
            params={"patient_id": str(patient_id), "professional_id": str(principal.subject_id)},
        ))
        if access.allowed:
            # The role is kept with the grant: it changes only through a removal (adding a member
            # again changes nothing), which forgets the grant here and lags 2 s elsewhere, as access does.
            if len(self._grants) > 100_000:
                self._grants.clear()
            self._grants[key] = (self.clock() + ACCESS_GRANT_SECONDS, access)
        return access

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
