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


class RecordAccess(Aggregate):
    """One access to a patient's record, granted or refused (trace d'accès)."""

    @event("Recorded", topic="gateway:RecordAccess.Recorded.v1")
    def __init__(
        self, patient_id: uuid.UUID, method: str, route: str, status_code: int,
        granted: bool, trace: dict[str, Any],
    ) -> None:
        self.patient_id, self.method, self.route = patient_id, method, route
        self.status_code, self.granted = status_code, granted
