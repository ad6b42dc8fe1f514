"""One line that says what a timeline event was, in the care team's words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_Text = Callable[[dict[str, Any]], str]

_TEXTS: dict[str, _Text] = {
    "PatientRegistered": lambda p: f"patient registered: {p['last_name']} {p['first_name']}",
    "PatientIdentityUpdated": lambda p: "identity corrected",
    "RiskFactorsUpdated": lambda p: "risk factors: " + (", ".join(p["factors"]) or "none"),
    "MedicalHistoryUpdated": lambda p: f"medical history updated ({len(p['entries'])} entries)",
    "AllergiesUpdated": lambda p: f"allergies updated ({len(p['entries'])} entries)",
    "TreatmentsUpdated": lambda p: f"treatments updated ({len(p['entries'])} entries)",
    "NoteShared": lambda p: "note: " + p["text"][:120],
    "ObjectiveSet": lambda p: f"objective {p['status']}: {p['title']}",
    "CareEpisodeOpened": lambda p: f"COVID care episode opened ({p['status']})",
    "CareStatusChanged": lambda p: f"follow-up status: {p['status']}" + (", hospitalised" if p["hospitalised"] else ""),
    "CareEpisodeClosed": lambda p: f"COVID care episode closed on {p['closed_on']}",
    "ReadingOverdue": lambda p: f"reading overdue since {p['due_at']}",
    "ReadingRecorded": lambda p: f"reading recorded: {p['overall_level']}",
    "ThresholdBreached": lambda p: "threshold breached: " + ", ".join(
        f"{b['indicator']} {b['level']}" for b in p["breaches"]
    ),
    "AlertRaised": lambda p: f"{p['kind']} alert raised ({p['level']})",
    "AlertAcknowledged": lambda p: "alert acknowledged",
    "CareTeamMemberAdded": lambda p: f"care circle: member added ({p['role']})",
    "CareTeamMemberRemoved": lambda p: f"care circle: member removed ({p['role']})",
    "DocumentAdded": lambda p: f"document added ({p['kind']}): {p['title']}",
    "RecordAccessed": lambda p: f"record accessed: {p['method']} {p['route']}",
}


def summary(event_type: str, payload: dict[str, Any]) -> str:
    text = _TEXTS.get(event_type)
    return text(payload) if text else event_type
