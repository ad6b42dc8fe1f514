"""A patient's invitation to the portal: one live token at a time (a new invitation
replaces the previous one), stored hashed, single use, expiring."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate, event

_INVITATION_NAMESPACE = uuid.UUID("5a3f9e21-8c4d-4b6a-9f1e-2d7c8b4a6e90")


class PortalInvitation(Aggregate):
    @staticmethod
    def create_id(patient_id: uuid.UUID) -> uuid.UUID:
        return uuid.uuid5(_INVITATION_NAMESPACE, str(patient_id))

    @event("Opened", topic="gateway:PortalInvitation.Opened.v1")
    def __init__(self, patient_id: uuid.UUID) -> None:
        self.patient_id = patient_id
        self.token_hash: str | None = None
        self.email: str | None = None
        self.expires_at: str | None = None
        self.activated = False

    @event("PortalInvitationSent", topic="gateway:PortalInvitation.Sent.v1")
    def send(self, email: str, token_hash: str, expires_at: datetime, trace: dict[str, Any]) -> None:
        self.email, self.token_hash, self.expires_at = email, token_hash, expires_at.isoformat()

    @event("PortalAccessActivated", topic="gateway:PortalInvitation.Activated.v1")
    def activate(self, trace: dict[str, Any]) -> None:
        self.activated, self.token_hash = True, None  # used: never again

    def accepts(self, token_hash: str, now: datetime) -> bool:
        import hmac

        if self.token_hash is None or self.expires_at is None or datetime.fromisoformat(self.expires_at) <= now:
            return False
        return hmac.compare_digest(self.token_hash, token_hash)
