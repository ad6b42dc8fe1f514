"""Structures, professionals and care circles: bodies and answers."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ecovid_api.common import Created
from ecovid_api.text import LINE, Email, Line200

__all__ = ["CircleAccess", "Created", "MemberCommand", "MemberIn", "ProfessionalAccountIn", "ProfessionalIn",
           "StructureIn"]

StructureKind = Literal["practice", "hospital", "dac", "medico_social", "other"]
Profession = Literal["doctor", "nurse", "coordinator", "other"]
Finess = Annotated[str, StringConstraints(pattern=r"^[0-9AB]{9}$")]
Rpps = Annotated[str, StringConstraints(pattern=r"^[0-9]{11}$")]
Password = Annotated[str, StringConstraints(min_length=12, max_length=256, pattern=LINE)]
# The roles a member may be given ("creator": the registering professional, set by the platform).
MemberRole = Literal["attending_physician", "nurse", "coordinator", "hospital_team", "pharmacist", "home_help",
                     "other"]
Role = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50, pattern=LINE)]


class StructureIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"name": "Cabinet infirmier des Tilleuls", "kind": "practice", "finess": "750012345"}]
    })

    name: Line200
    kind: StructureKind
    finess: Finess | None = None


class ProfessionalIn(BaseModel):
    """A professional's profile, as the directory keeps it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "email": "a.martin@example.org", "first_name": "Anne", "last_name": "Martin",
        "profession": "nurse", "structure_id": "0b7e8f0e-5a3c-4a52-9d55-3f0a3e5b1c11", "rpps": "10101234567",
    }]})

    email: Email
    first_name: Line200
    last_name: Line200
    profession: Profession
    structure_id: uuid.UUID
    rpps: Rpps | None = None


class ProfessionalAccountIn(ProfessionalIn):
    """The public body: the profile and the password of the account the gateway opens."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "email": "a.martin@example.org", "password": "correct horse battery", "first_name": "Anne",
        "last_name": "Martin", "profession": "nurse",
        "structure_id": "0b7e8f0e-5a3c-4a52-9d55-3f0a3e5b1c11",
    }]})

    password: Password


class MemberIn(BaseModel):
    """Who joins and in which role; anything else (an id, a patient) is refused (422)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"professional_id": "5d1f2c7a-0c1b-4f4e-8a1e-2b9d7c3e4f50", "role": "nurse"}]
    })

    professional_id: uuid.UUID
    role: MemberRole


class MemberCommand(BaseModel):
    """What care-circle is asked: its domain judges the role (one of its ROLES)."""

    model_config = ConfigDict(extra="forbid")

    professional_id: uuid.UUID
    role: Role = Field(default="other")


class Member(BaseModel):
    model_config = ConfigDict(json_schema_extra={
        "examples": [{"professional_id": "5d1f2c7a-0c1b-4f4e-8a1e-2b9d7c3e4f50", "role": "creator",
                      "first_name": "Anne", "last_name": "Martin", "profession": "nurse"}]
    })

    professional_id: uuid.UUID
    role: str
    # From the directory, so that a screen can name the member (None if no longer there).
    first_name: str | None = None
    last_name: str | None = None
    profession: str | None = None


class CircleAccess(BaseModel):
    """care-circle's answer to the gateway's check before a patient route (GET /access)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"allowed": True, "role": "home_help", "documents_and_notes": False},
        {"allowed": True, "role": "emergency", "documents_and_notes": True},
        {"allowed": False, "role": None, "documents_and_notes": False},
    ]})

    allowed: bool
    # The member's role; "emergency" for a live emergency access; None outside the circle.
    role: str | None = None
    # Whether that role may read, list, download and add documents, read and write shared notes.
    documents_and_notes: bool = False
