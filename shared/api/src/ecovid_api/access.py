"""Sessions (refresh, logout, second factor, OpenID Connect), emergency access, the patient
portal, the directory's lists and the audit trail: bodies and answers (issue 12)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints

from ecovid_api.text import LINE, Email

PATIENT_ID = "9a7b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
PROFESSIONAL_ID = "5d1f2c7a-0c1b-4f4e-8a1e-2b9d7c3e4f50"
STRUCTURE_ID = "0b7e8f0e-5a3c-4a52-9d55-3f0a3e5b1c11"

Password = Annotated[str, StringConstraints(min_length=12, max_length=256, pattern=LINE)]
RefreshToken = Annotated[str, StringConstraints(min_length=20, max_length=200, pattern=LINE)]
Code = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=1000)]


# Sessions.


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"refresh_token": "q4V0m2b8yZ1cX7nK3pR6sT9uW2eA5dF8"}]
    })

    refresh_token: RefreshToken


class LogoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"refresh_token": "q4V0m2b8yZ1cX7nK3pR6sT9uW2eA5dF8"}, {}]
    })

    refresh_token: RefreshToken | None = None


class ChallengeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"mfa_token": "eyJhbGciOiJIUzI1NiJ9.e30.x"}]
    })

    mfa_token: Annotated[str, StringConstraints(min_length=20, max_length=1000, pattern=LINE)]


class CodeIn(ChallengeIn):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"mfa_token": "eyJhbGciOiJIUzI1NiJ9.e30.x", "code": "123456"}]
    })

    code: Code


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"code": "123456"}]})

    code: Code


class TokenPair(BaseModel):
    """A signed-in session: a short access token and a single-use refresh token."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "access_token": "eyJhbGciOi...", "token_type": "bearer", "expires_in": 900,
        "refresh_token": "q4V0m2b8yZ1cX7nK3pR6sT9uW2eA5dF8",
    }]})

    access_token: str
    token_type: Literal["bearer"]
    expires_in: int
    refresh_token: str


class MfaChallenge(BaseModel):
    """The password was right; the second factor is still to give (POST /api/v1/auth/mfa)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "mfa_required": True, "mfa_token": "eyJhbGciOiJIUzI1NiJ9.e30.x", "enrolled": True,
    }]})

    mfa_required: Literal[True]
    mfa_token: str
    enrolled: bool


class SignedIn(RootModel[TokenPair | MfaChallenge]):
    """What the password step answers: the token pair, or the second factor still to give."""


class Provisioning(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "provisioning_uri": "otpauth://totp/e-COVID:a.martin%40example.org?secret=JBSWY3DPEHPK3PXP&issuer=e-COVID",
    }]})

    provisioning_uri: str


class Enrolled(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"enrolled": True}]})

    enrolled: bool


class AuthorizationUrl(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "authorization_url": "https://provider.example/authorize?response_type=code&client_id=ecovid&state=s",
    }]})

    authorization_url: str


# Care circles: emergency access.

class EmergencyAccessIn(BaseModel):
    """Bris de glace: why the care cannot wait (kept in the audit trail)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"reason": "Appel du SAMU, patient inconscient, médecin traitant injoignable"}]
    })

    reason: Reason = Field(description="why the care cannot wait (kept in the audit trail)")


class EmergencyCommand(EmergencyAccessIn):
    """What the gateway sends care-circle: the public body and who declares it."""

    model_config = ConfigDict(extra="forbid")

    professional_id: uuid.UUID
    hours: float = Field(default=4.0, gt=0, le=24)


class EmergencyAccess(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "patient_id": PATIENT_ID, "professional_id": PROFESSIONAL_ID, "expires_at": "2026-12-01T10:00:00+00:00",
    }]})

    patient_id: uuid.UUID
    professional_id: uuid.UUID
    expires_at: str


# The directory's lists.


class StructureListed(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": STRUCTURE_ID, "name": "Cabinet infirmier des Tilleuls", "kind": "practice", "finess": "750012345",
    }]})

    id: uuid.UUID
    name: str
    kind: str
    finess: str | None = None


class ProfessionalListed(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": PROFESSIONAL_ID, "first_name": "Anne", "last_name": "Martin", "profession": "nurse",
        "structure_id": STRUCTURE_ID,
    }]})

    id: uuid.UUID
    first_name: str
    last_name: str
    profession: str
    structure_id: uuid.UUID | None = None


# The patient portal.


class InvitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"email": "jeanne.durand@example.org"}]})

    email: Email


class ActivationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"token": "Zk3xQ9v2Lr8sT1wY6bN4", "password": "correct horse battery"}]
    })

    token: Annotated[str, StringConstraints(min_length=10, max_length=200, pattern=LINE)]
    password: Password


class InvitationSent(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "patient_id": PATIENT_ID, "email": "jeanne.durand@example.org", "status": "sent",
    }]})

    patient_id: uuid.UUID
    email: str
    status: Literal["sent"]


class PortalActivated(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"patient_id": PATIENT_ID, "status": "active"}]})

    patient_id: uuid.UUID
    status: Literal["active"]


class OpenEpisode(BaseModel):
    episode_id: uuid.UUID
    opened_at: str


# The audit trail.


class AuditorIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"email": "audit@example.org", "password": "correct horse battery"}]
    })

    email: Annotated[str, StringConstraints(min_length=3, max_length=254, pattern=LINE)]
    password: Password


class AuditorCreated(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": PROFESSIONAL_ID, "email": "audit@example.org"}]})

    id: uuid.UUID
    email: str


class AccessRecord(BaseModel):
    """One access to a patient's data, granted or refused."""

    id: uuid.UUID
    recorded: str
    patient_id: uuid.UUID
    actor_kind: str
    actor_id: str
    method: str
    route: str
    status_code: int
    granted: bool
    address: str | None = None
    correlation_id: str


class AccessPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"total": 1, "limit": 100, "offset": 0, "records": [{
        "id": "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b", "recorded": "2026-12-01T08:00:00+00:00",
        "patient_id": PATIENT_ID, "actor_kind": "professional", "actor_id": PROFESSIONAL_ID, "method": "GET",
        "route": f"/api/v1/patients/{PATIENT_ID}", "status_code": 200, "granted": True, "address": "10.0.0.7",
        "correlation_id": "c0ffee",
    }]}]})

    total: int
    limit: int
    offset: int
    records: list[AccessRecord]


class AccessSeen(BaseModel):
    """What a patient sees of an access to their record."""

    recorded: str
    actor_kind: str
    actor_id: str
    method: str
    route: str
    granted: bool


class AccessLog(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"total": 1, "limit": 100, "offset": 0, "records": [{
        "recorded": "2026-12-01T08:00:00+00:00", "actor_kind": "professional", "actor_id": PROFESSIONAL_ID,
        "method": "GET", "route": f"/api/v1/patients/{PATIENT_ID}", "granted": True,
    }]}]})

    total: int
    limit: int
    offset: int
    records: list[AccessSeen]
