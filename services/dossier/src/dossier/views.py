"""What the record shows, folded from the patient's stored events: each section with
its history (who changed what, when), the shared notes and the objectives of care."""

from __future__ import annotations

from typing import Any

from dossier.domain.patient import Patient
from dossier.domain.record import EMPTY_SECTIONS


def _stamp(event: Any) -> dict[str, Any]:
    return {"at": event.timestamp.isoformat(), "by": event.trace["actor"], "version": event.originator_version}


def identity_history(events: list[Any]) -> list[dict[str, Any]]:
    kinds = {Patient.Registered: "registered", Patient.IdentityUpdated: "updated"}
    return [
        {**_stamp(e), "change": kinds[type(e)], "identity": _jsonable(e.identity)}
        for e in events if type(e) in kinds
    ]


def section(events: list[Any], name: str) -> dict[str, Any]:
    history = [
        {**_stamp(e), "content": e.content}
        for e in events if isinstance(e, Patient.SectionUpdated) and e.section == name
    ]
    current = history[-1]["content"] if history else EMPTY_SECTIONS[name]
    last = history[-1] if history else None
    return {"current": current, "updated_at": last and last["at"], "updated_by": last and last["by"],
            "history": history}


def notes(events: list[Any]) -> list[dict[str, Any]]:
    """Newest first, as the care team reads them."""
    shared = [
        {"id": e.note_id, "text": e.text, "document_ids": e.document_ids, **_stamp(e)}
        for e in events if isinstance(e, Patient.NoteShared)
    ]
    return shared[::-1]


def objectives(events: list[Any]) -> list[dict[str, Any]]:
    folded: dict[str, dict[str, Any]] = {}
    for e in events:
        if isinstance(e, Patient.ObjectiveSet):
            change = {"title": e.title, "status": e.status, **_stamp(e)}
            known = folded.setdefault(e.objective_id, {"id": e.objective_id, "set_at": change["at"],
                                                       "set_by": change["by"], "history": []})
            known.update(title=e.title, status=e.status, updated_at=change["at"], updated_by=change["by"])
            known["history"].append(change)
    return list(folded.values())


def _jsonable(identity: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in identity.items()}
