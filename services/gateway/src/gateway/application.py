"""Use cases of the gateway: accounts, sign-in, and the access audit trail."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.persistence import IntegrityError

from ecovid_events import Actor
from ecovid_platform.application import ServiceApplication, trace
from ecovid_platform.errors import Conflict, DomainError

from gateway import mfa
from gateway.domain.account import Account, RecordAccess
from gateway.domain.portal import PortalInvitation
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
        account = self.check_password(email, password)
        return None if account is None else principal_of(account)

    def check_password(self, email: str, password: str) -> Account | None:
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
        return account

    def propose_totp(self, account_id: uuid.UUID, correlation_id: str) -> str:
        """A new secret to enrol (a provisioning URI for an authenticator app), confirmed by
        its first code; an account already enrolled keeps its secret until then."""
        account = self.get_or_404(account_id, Account, "account")
        secret = mfa.new_secret()
        account.propose_totp(secret, trace(_PLATFORM, correlation_id))
        self.save(account)
        return mfa.provisioning_uri(secret, account.email)

    def pass_totp(self, account_id: uuid.UUID, code: str, correlation_id: str) -> Account | None:
        """The account, when the code is right and new: the enrolled secret's, or the pending
        one's (which it confirms). A code is accepted once."""
        account = self.find(account_id, Account)
        if account is None:
            return None
        pending = account.totp_pending and mfa.accepted_step(account.totp_pending, code, account.last_totp_step)
        if pending:
            account.confirm_totp(pending, trace(_PLATFORM, correlation_id))
            self.save(account)
            return account
        step = account.totp_secret and mfa.accepted_step(account.totp_secret, code, account.last_totp_step)
        if not step:
            return None
        account.use_totp(step, trace(_PLATFORM, correlation_id))
        self.save(account)
        return account

    def invite_patient(
        self, patient_id: uuid.UUID, email: str, valid_for: timedelta, actor: Actor, correlation_id: str,
    ) -> str:
        """A new single-use token (only its hash is kept); the previous invitation stops."""
        invitation = self.find(PortalInvitation.create_id(patient_id), PortalInvitation) or PortalInvitation(
            patient_id=patient_id
        )
        if invitation.activated:
            raise Conflict("this patient's portal account is already active", field="email")
        secret = secrets.token_urlsafe(32)
        invitation.send(email=email, token_hash=_digest(secret), expires_at=datetime.now(UTC) + valid_for,
                        trace=trace(actor, correlation_id))
        self.save(invitation)
        return f"{patient_id}.{secret}"

    def activate_portal(self, token: str, password: str, correlation_id: str) -> uuid.UUID:
        """Opens the patient's account; an expired, used or forged token: InvitationInvalid,
        whichever it is."""
        patient_text, _, secret = token.partition(".")
        try:
            patient_id = uuid.UUID(patient_text)
        except ValueError:
            raise InvitationInvalid() from None
        invitation = self.find(PortalInvitation.create_id(patient_id), PortalInvitation)
        if invitation is None or not invitation.accepts(_digest(secret), datetime.now(UTC)):
            raise InvitationInvalid()
        patient = Actor(kind="patient", id=str(patient_id))
        invitation.activate(trace=trace(patient, correlation_id))
        account = Account(
            email=invitation.email, role="patient", subject_id=patient_id, password_hash=hash_password(password),
            structure_id=None, trace=trace(patient, correlation_id),
        )
        try:
            self.save(invitation, account)
        except IntegrityError:
            raise Conflict("an account with this e-mail exists", field="email") from None
        return patient_id

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
            trace=trace(actor, access.correlation_id), address=access.address,
        )

    def _account(self, email: str) -> Account | None:
        return self.find(Account.create_id(email), Account)


_DUMMY_HASH = hash_password("not a password anyone has")


def principal_of(account: Account) -> Principal:
    return Principal(account.subject_id, account.role, account.structure_id, account_id=account.id)


class InvitationInvalid(DomainError):
    """Expired, used, replaced or forged: the caller is not told which."""

    def __init__(self) -> None:
        super().__init__("this invitation is not valid (expired, used or unknown)", field="token")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
