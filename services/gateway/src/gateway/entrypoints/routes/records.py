"""The patient's coordination record: identity corrections, clinical context, notes,
objectives, summary and timeline; every route checks the care circle first.

The shared notes are for the roles that open documents and notes (care-circle says which:
not `home_help` nor `other`). For the others the summary and the timeline leave notes and
documents out, and say so in `withheld`: no view is a way round the notes and documents routes.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from ecovid_api.identity import IdentityUpdate
from ecovid_api.record import SECTIONS, NoteIn, ObjectiveChange, ObjectiveIn
from ecovid_api.record_views import (
    CreatedText,
    IdentityChange,
    IdentityCorrected,
    Note,
    Objective,
    Section,
    Summary,
    TimelinePage,
)
from ecovid_platform.moments import Moment
from ecovid_platform.paging import Limit, Offset

from gateway.entrypoints.answers import DuplicateIdentity, answers
from gateway.entrypoints.deps import CorrelationId, CurrentUser, GatewayDep

router = APIRouter(prefix="/api/v1/patients/{patient_id}", tags=["coordination record"])
# The timeline's entries that are a note or a document (their text, their title): the event
# types of the dossier's NoteShared and of every event the documents service publishes
# (test_notes_and_documents.py checks the list against ecovid_events).
NOTE_AND_DOCUMENT_EVENTS = ("NoteShared", "DocumentAdded")
WITHHELD = ["notes", "documents"]


async def _forward(
    patient_id: uuid.UUID, request: Request, user: Any, gw: Any, cid: str, with_body: bool = False,
    documents_and_notes: bool = False,
) -> Any:
    """Check the caller's access, then pass the call to the dossier as it came (a body as the
    caller sent it, validated here by the model the dossier validates it with)."""
    await gw.check_patient_access(patient_id, user, request.method, request.url.path, cid,
                                  documents_and_notes=documents_and_notes)
    return await _pass_on(request, user, gw, cid, with_body)


async def _pass_on(
    request: Request, user: Any, gw: Any, cid: str, with_body: bool = False,
    more_params: list[tuple[str, str]] | None = None,
) -> Any:
    path = request.url.path.removeprefix("/api/v1")
    # A list (repeated `kind`) must stay a list: multi_items keeps every value.
    params = list(request.query_params.multi_items()) + (more_params or [])
    content = await request.body() if with_body else None
    return await gw.services.dossier.call(
        request.method, path, content=content, params=params, principal=user, correlation_id=cid
    )


@router.patch("/identity", **answers(IdentityCorrected, conflict=DuplicateIdentity))
async def correct_identity(
    patient_id: uuid.UUID, body: IdentityUpdate, request: Request, user: CurrentUser, gw: GatewayDep,
    cid: CorrelationId, confirm_homonym: bool = False,
) -> Any:
    return await _forward(patient_id, request, user, gw, cid, with_body=True)


@router.get("/identity/history", **answers(list[IdentityChange]))
async def identity_history(
    patient_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await _forward(patient_id, request, user, gw, cid)


async def _read(patient_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId) -> Any:
    return await _forward(patient_id, request, user, gw, cid)


async def _read_notes(
    patient_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await _forward(patient_id, request, user, gw, cid, documents_and_notes=True)


def _replace_route(model: type[BaseModel]) -> Any:
    """The PUT of one section, its body typed with that section's model (the dossier's too)."""

    async def replace(
        patient_id: uuid.UUID, body: BaseModel, request: Request, user: CurrentUser, gw: GatewayDep,
        cid: CorrelationId,
    ) -> Any:
        return await _forward(patient_id, request, user, gw, cid, with_body=True)

    replace.__annotations__["body"] = model
    return replace


# Explicit paths, never "/{section}": a catch-all would shadow other services' patient routes.
for _section, _model in SECTIONS.items():
    router.add_api_route(f"/{_section}", _replace_route(_model), methods=["PUT"], name=f"replace {_section}",
                         summary=f"Replace the {_section} section whole", **answers(Section))
for _view, _answer, _route in (*((s, Section, _read) for s in SECTIONS), ("notes", list[Note], _read_notes),
                               ("objectives", list[Objective], _read)):
    router.add_api_route(f"/{_view}", _route, methods=["GET"], name=f"read {_view}", summary=f"Read {_view}",
                         **answers(_answer))


@router.get("/summary", name="read summary", summary="Read summary", **answers(Summary))
async def read_summary(
    patient_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    access = await gw.check_patient_access(patient_id, user, "GET", request.url.path, cid)
    found = await _pass_on(request, user, gw, cid)
    if access.documents_and_notes:
        return found
    return {**found, "latest_notes": [], "latest_documents": {"items": []}, "withheld": WITHHELD}


@router.get("/timeline", **answers(TimelinePage))
async def timeline(
    patient_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId,
    kind: Annotated[list[str] | None, Query(description="event types to keep, repeated", max_length=50)] = None,
    since: Annotated[Moment | None, Query(alias="from")] = None,
    until: Annotated[Moment | None, Query(alias="to")] = None,
    limit: Limit = 100, offset: Offset = 0,
) -> Any:
    """Everything that happened to the patient, in order (without notes and documents for a
    role that does not open them: `withheld` says so)."""
    access = await gw.check_patient_access(patient_id, user, "GET", request.url.path, cid)
    if access.documents_and_notes:
        return await _pass_on(request, user, gw, cid)
    # Left out by the dossier's query, not from the page here: pages stay full.
    hidden = [("exclude", event_type) for event_type in NOTE_AND_DOCUMENT_EVENTS]
    return {**await _pass_on(request, user, gw, cid, more_params=hidden), "withheld": WITHHELD}


@router.post("/notes", **answers(CreatedText, 201))
async def share_note(
    patient_id: uuid.UUID, body: NoteIn, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await _forward(patient_id, request, user, gw, cid, with_body=True, documents_and_notes=True)


@router.post("/objectives", **answers(CreatedText, 201))
async def set_objective(
    patient_id: uuid.UUID, body: ObjectiveIn, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await _forward(patient_id, request, user, gw, cid, with_body=True)


@router.patch("/objectives/{objective_id}", **answers(Objective))
async def change_objective(
    patient_id: uuid.UUID,
    objective_id: uuid.UUID,
    body: ObjectiveChange,
    request: Request,
    user: CurrentUser,
    gw: GatewayDep,
    cid: CorrelationId,
) -> Any:
    return await _forward(patient_id, request, user, gw, cid, with_body=True)
