"""Use cases of the gateway: accounts, sign-in, and the access audit trail."""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.persistence import IntegrityError

from ecovid_events import Actor
from ecovid_platform.application import ServiceApplication, trace
from ecovid_platform.errors import Conflict

from gateway.domain.account import Account, RecordAccess
from gateway.security import Principal, hash_password, hasher, verify_password

_PLATFORM = Actor(kind="platform")


class GatewayApplication(ServiceApplication):
    name = "gateway"

    def open_account(
        self, email: str, password: str, role: str, subject_id: uuid.UUID,
        structure_id: uuid.UUID | None, correlation_id: str,
    ) -> Account:
        account = Account(
            email=email, role=role, subject_id=subject_id, password_hash=hash_password(password),
            structure_id=structure_id, trace=trace(_PLATFORM, correlation_id),
        )
        try:
            self.save(account)
        except IntegrityError:
            raise Conflict("an account with this e-mail exists", field="email") from None
        return account

    def ensure_admin(self, email: str, password: str) -> None:
        if self._account(email) is None:
            self.open_account(email, password, "admin", Account.create_id(email), None, "bootstrap")

    def authenticate(self, email: str, password: str) -> Principal | None:
        account = self._account(email)
        if account is None:
            # Same work whether or not the account exists: no timing oracle on e-mails.
            verify_password(_DUMMY_HASH, password)
            return None
        if not verify_password(account.password_hash, password):
            return None
        if hasher.check_needs_rehash(account.password_hash):
            account.rehash(hash_password(password), trace(_PLATFORM, "rehash"))
            self.save(account)
        return Principal(account.subject_id, account.role, account.structure_id)

    def record_accesses(self, accesses: list[Any]) -> None:
        """One transaction for a batch of accesses (see gateway.audit)."""
        self.save(*(self._traced(access) for access in accesses))

    @staticmethod
    def _traced(access: Any) -> RecordAccess:
        principal = access.principal
        actor = Actor(kind=principal.actor_kind, id=str(principal.subject_id))  # type: ignore[arg-type]
        return RecordAccess(
            patient_id=access.patient_id, method=access.method, route=access.route,
            status_code=access.status_code, granted=access.status_code < 400,
            trace=trace(actor, access.correlation_id),
        )

    def _account(self, email: str) -> Account | None:
        return self.find(Account.create_id(email), Account)


_DUMMY_HASH = hash_password("not a password anyone has")
