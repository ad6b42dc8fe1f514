"""Accounts that may sign in, and the access audit trail."""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.domain import Aggregate, event

_ACCOUNT_NAMESPACE = uuid.UUID("2d9f6a1b-3c4e-4d5f-8a7b-9c0d1e2f3a4b")


class Account(Aggregate):
    """Credentials of an admin, a professional or a patient; the id derives from the e-mail."""

    @staticmethod
    def create_id(email: str) -> uuid.UUID:
        return uuid.uuid5(_ACCOUNT_NAMESPACE, email.strip().casefold())

    @event("Opened", topic="gateway:Account.Opened.v1")
    def __init__(
        self, email: str, role: str, subject_id: uuid.UUID, password_hash: str,
        structure_id: uuid.UUID | None, trace: dict[str, Any],
    ) -> None:
        self.email, self.role, self.subject_id = email, role, subject_id
        self.password_hash, self.structure_id = password_hash, structure_id

    @event("PasswordRehashed", topic="gateway:Account.PasswordRehashed.v1")
    def rehash(self, password_hash: str, trace: dict[str, Any]) -> None:
        self.password_hash = password_hash

    # The second factor (TOTP): a secret proposed, confirmed by a first code, and the last
    # time step used, so that a code is never accepted twice.
    @property
    def totp_secret(self) -> str | None:
        return getattr(self, "_totp_secret", None)

    @property
    def totp_pending(self) -> str | None:
        return getattr(self, "_totp_pending", None)

    @property
    def last_totp_step(self) -> int:
        return int(getattr(self, "_last_totp_step", 0))

    @event("TotpProposed", topic="gateway:Account.TotpProposed.v1")
    def propose_totp(self, secret: str, trace: dict[str, Any]) -> None:
        self._totp_pending = secret

    @event("TotpConfirmed", topic="gateway:Account.TotpConfirmed.v1")
    def confirm_totp(self, step: int, trace: dict[str, Any]) -> None:
        self._totp_secret, self._totp_pending, self._last_totp_step = self._totp_pending, None, step

    @event("TotpUsed", topic="gateway:Account.TotpUsed.v1")
    def use_totp(self, step: int, trace: dict[str, Any]) -> None:
        self._last_totp_step = step


class RecordAccess(Aggregate):
    """One access to a patient's record, granted or refused (trace d'accès)."""

    @event("Recorded", topic="gateway:RecordAccess.Recorded.v1")
    def __init__(
        self, patient_id: uuid.UUID, method: str, route: str, status_code: int,
        granted: bool, trace: dict[str, Any], address: str | None = None,
    ) -> None:
        self.patient_id, self.method, self.route = patient_id, method, route
        self.status_code, self.granted, self.address = status_code, granted, address
