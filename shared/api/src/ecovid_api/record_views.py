"""What the coordination record answers: the dossier, its sections with their history, notes,
objectives, the summary and the timeline. `by` is the actor of a change ({kind, id})."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from ecovid_api.common import Timestamp

_WITHHELD = ("what this answer leaves out for the caller's role in the care circle: \"notes\" and "
             "\"documents\" for home_help and other (empty for every other role)")


class PatientMatch(BaseModel):
    """A minimal identity, as the patient search lists it."""

    id: uuid.UUID
    last_name: str
    first_name: str
    birth_date: date
    sex: str
    commune: str


class Dossier(BaseModel):
    id: uuid.UUID
    identity: dict[str, Any]
    version: int


class IdentityCorrected(BaseModel):
    id: uuid.UUID
    identity: dict[str, Any]


class Stamp(BaseModel):
    at: Timestamp
    by: Any
    version: int


class IdentityChange(Stamp):
    change: str
    identity: dict[str, Any]


class SectionChange(Stamp):
    content: dict[str, Any]


class Section(BaseModel):
    """A section as it stands, who changed it last, and every change."""

    current: dict[str, Any]
    updated_at: Timestamp | None = None
    updated_by: Any = None
    history: list[SectionChange]


class Note(Stamp):
    id: uuid.UUID | str
    text: str
    document_ids: list[uuid.UUID]


class ObjectiveChangeStamp(Stamp):
    title: str
    status: str


class Objective(BaseModel):
    id: uuid.UUID | str
    title: str
    status: str
    set_at: Timestamp
    set_by: Any
    updated_at: Timestamp
    updated_by: Any
    history: list[ObjectiveChangeStamp]


class CreatedText(BaseModel):
    """What a note or objective answers: its id (text)."""

    id: str


class Summary(BaseModel):
    id: uuid.UUID
    identity: dict[str, Any]
    risk_factors: dict[str, Any]
    medical_history: dict[str, Any]
    allergies: dict[str, Any]
    treatments: dict[str, Any]
    latest_notes: list[Note]
    open_objectives: list[Objective]
    latest_documents: dict[str, Any]
    care_episode: dict[str, Any] | None = None
    version: int
    withheld: list[str] = Field(default_factory=list, description=_WITHHELD)


class TimelineEntry(BaseModel):
    event_id: str
    event_type: str
    occurred_at: Timestamp
    producer: str
    actor: dict[str, Any]
    summary: str | None = None
    details: Any = None


class TimelinePage(BaseModel):
    items: list[TimelineEntry]
    next_offset: int | None = None
    withheld: list[str] = Field(default_factory=list, description=_WITHHELD)
