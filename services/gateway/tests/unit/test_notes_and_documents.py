"""The circle role decides who sees documents and shared notes (issue 12): care-circle
answers the role and whether it opens them (`documents_and_notes`; not `home_help` nor
`other`); the gateway refuses those routes to the others, naming their role, and leaves
notes and documents out of the summary and the timeline, so that no view goes round it.

Breaks (each made once, watched failing, restored):
- `documents_and_notes=True` dropped from the documents list route -> the home_help and
  other cells of `GET .../documents` fail (200 instead of 403).
- the summary answered as the dossier gave it whatever the role -> test_the_summary_...
  fails (the home help reads the note).
- the timeline without its `exclude` params -> test_the_timeline_... fails.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from conftest import Caller, World

from ecovid_events import EVENT_TYPES

from gateway.entrypoints.routes.records import NOTE_AND_DOCUMENT_EVENTS

PDF = b"%PDF-1.4 unit"
CLOSED = ("home_help", "other")  # the roles care-circle answers `documents_and_notes: false` for
OPEN = ("creator", "attending_physician", "nurse", "coordinator", "hospital_team", "pharmacist", "emergency")


def _routes(world: World) -> dict[str, tuple[str, str, dict[str, Any]]]:
    document = str(uuid.uuid4())
    world.platform.documents[document] = world.patient
    base = f"/api/v1/patients/{world.patient}"
    upload = {"files": {"file": ("cr.pdf", PDF, "application/pdf")}, "data": {"title": "CR", "kind": "report"}}
    return {
        "add a document": ("POST", f"{base}/documents", upload),
        "list documents": ("GET", f"{base}/documents", {}),
        "a document's metadata": ("GET", f"/api/v1/documents/{document}", {}),
        "a document's content": ("GET", f"/api/v1/documents/{document}/content", {}),
        "read notes": ("GET", f"{base}/notes", {}),
        "share a note": ("POST", f"{base}/notes", {"json": {"text": "appelée ce matin"}}),
    }


ROUTE_NAMES = ["add a document", "list documents", "a document's metadata", "a document's content", "read notes",
               "share a note"]


def _send(world: World, caller: Caller, name: str) -> Any:
    method, path, kwargs = _routes(world)[name]
    return world.client.request(method, path, headers=caller.headers, **kwargs)


@pytest.mark.parametrize("circle_role", CLOSED)
@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_home_help_and_other_are_refused_documents_and_notes(world: World, name: str, circle_role: str) -> None:
    member = world.caller(member=True, circle_role=circle_role)
    response = _send(world, member, name)
    assert response.status_code == 403, response.text
    assert circle_role in response.json()["detail"] and "documents and notes" in response.json()["detail"]
    traced = world.accesses()
    assert [(t.patient_id, t.granted, t.status_code) for t in traced] == [(uuid.UUID(world.patient), False, 403)]
    # Nothing was read or written: only the circle asked, and which patient a document is of.
    assert [c.path for c in world.platform.calls_to("dossier")] == []
    assert [c.path for c in world.platform.calls_to("documents") if c.path.count("/") != 2] == []


@pytest.mark.parametrize("circle_role", OPEN)
@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_every_other_role_and_an_emergency_holder_get_them(world: World, name: str, circle_role: str) -> None:
    member = world.caller(member=True, circle_role=circle_role)
    response = _send(world, member, name)
    assert response.status_code < 300, response.text
    assert [t.granted for t in world.accesses()] == [True]


def _summary(world: World) -> dict[str, Any]:
    return {"id": world.patient, "identity": {}, "risk_factors": {}, "medical_history": {}, "allergies": {},
            "treatments": {}, "latest_notes": [{"id": "n1", "text": "la note", "document_ids": []}],
            "open_objectives": [], "latest_documents": {"items": [{"id": "d1", "title": "CR"}]},
            "care_episode": None, "version": 3}


@pytest.mark.parametrize("circle_role", [*CLOSED, "nurse", "emergency"])
def test_the_summary_leaves_notes_and_documents_out_for_those_roles(world: World, circle_role: str) -> None:
    world.platform.replies[("dossier", "GET", f"/patients/{world.patient}/summary")] = (200, _summary(world))
    member = world.caller(member=True, circle_role=circle_role)
    answer = world.client.get(f"/api/v1/patients/{world.patient}/summary", headers=member.headers)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    if circle_role in CLOSED:
        assert (found["latest_notes"], found["latest_documents"]) == ([], {"items": []})
        assert found["withheld"] == ["notes", "documents"]
        assert "la note" not in answer.text and "CR" not in answer.text
    else:
        assert found == _summary(world)  # as the dossier answered it
    assert found["version"] == 3


@pytest.mark.parametrize("circle_role", [*CLOSED, "nurse", "emergency"])
def test_the_timeline_leaves_note_and_document_entries_out_for_those_roles(world: World, circle_role: str) -> None:
    member = world.caller(member=True, circle_role=circle_role)
    answer = world.client.get(f"/api/v1/patients/{world.patient}/timeline", headers=member.headers,
                              params=[("kind", "NoteShared"), ("kind", "ReadingRecorded")])
    assert answer.status_code == 200, answer.text
    [asked] = world.platform.calls_to("dossier")
    excluded = [value for name, value in asked.query if name == "exclude"]
    kept = [value for name, value in asked.query if name == "kind"]
    assert kept == ["NoteShared", "ReadingRecorded"]  # the caller's filter, passed on as it came
    if circle_role in CLOSED:
        assert excluded == ["NoteShared", "DocumentAdded"]
        assert answer.json()["withheld"] == ["notes", "documents"]
    else:
        assert excluded == [] and "withheld" not in answer.json()


def test_the_role_is_kept_with_the_grant_and_asked_again_with_it(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The grant kept 2 s holds the role: within them care-circle is not asked again, after
    them its new answer counts (a role changes by a removal and a new addition)."""
    now = [1_000.0]
    monkeypatch.setattr(world.gateway, "clock", lambda: now[0])
    member = world.caller(member=True, circle_role="home_help")
    notes = f"/api/v1/patients/{world.patient}/notes"
    assert world.client.get(f"/api/v1/patients/{world.patient}", headers=member.headers).status_code == 200
    world.platform.roles[str(member.principal.subject_id)] = "nurse"  # removed and added again elsewhere
    assert world.client.get(notes, headers=member.headers).status_code == 403
    assert len([c for c in world.platform.calls if c.path == "/access"]) == 1
    now[0] += 2.0
    assert world.client.get(notes, headers=member.headers).status_code == 200
    assert len([c for c in world.platform.calls if c.path == "/access"]) == 2


def test_the_hidden_timeline_entries_are_every_note_and_document_event() -> None:
    """A new event type the documents service publishes must join the list (or the timeline
    would show it to a home help): this fails naming it."""
    types = {t.model_fields["event_type"].default: t for t in EVENT_TYPES}
    documents = {name for name, t in types.items() if t.__module__ == "ecovid_events.documents"}
    assert documents and set(NOTE_AND_DOCUMENT_EVENTS) == documents | {"NoteShared"}
    assert "NoteShared" in types
