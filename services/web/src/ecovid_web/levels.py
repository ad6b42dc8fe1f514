"""How a level is shown: a colour class, and always an icon and a word too (colour is never the
only signal), the API sorts the lists by severity."""

from __future__ import annotations

from dataclasses import dataclass

SEVERITY = {"alert": 0, "overdue": 1, "watch": 2, "normal": 3, "none": 4}
ICONS = {"alert": "‼", "overdue": "⏱", "watch": "!", "normal": "✓", "none": "–"}


@dataclass(frozen=True)
class Shown:
    level: str
    css: str
    icon: str
    label_key: str


def shown(level: str | None) -> Shown:
    known = level if level in SEVERITY else "none"
    return Shown(level=known, css=f"level-{known}", icon=ICONS[known], label_key=f"level.{known}")

