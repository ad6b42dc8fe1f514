"""What a stay's movements mean, by their times and not by their arrival order.

Hospitals send movements late, twice and out of order (a discharge before its admission).
The state of a stay is therefore a fold over its movements sorted by time, recomputed
whenever one arrives; a cancellation (A11, A12, A13, `AdmissionCancelled`) removes the
latest movement of the kind it cancels, wherever it sits in time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Kind = Literal[
    "admit", "outpatient", "transfer", "discharge", "update",
    "cancel_admit", "cancel_transfer", "cancel_discharge",
]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
CANCELS: dict[str, str] = {"cancel_admit": "admit", "cancel_transfer": "transfer", "cancel_discharge": "discharge"}
State = Literal["none", "outpatient", "admitted", "discharged", "cancelled"]


@dataclass(frozen=True)
class Movement:
    movement_id: str
    kind: str
    at: datetime
    unit: str | None
    seq: int  # arrival order: breaks ties between movements of the same time


@dataclass(frozen=True)
class Effective:
    state: State
    unit: str | None
    admitted_at: datetime | None
    discharged_at: datetime | None


def effective(movements: list[Movement]) -> Effective:
    cancelled = _cancelled(movements)
    live = sorted(
        (m for m in movements if m.kind not in CANCELS and m.movement_id not in cancelled),
        key=lambda m: (m.at, m.seq),
    )
    state: State = "none"
    unit: str | None = None
    admitted_at: datetime | None = None
    discharged_at: datetime | None = None
    for m in live:
        if m.kind == "admit":
            state, admitted_at, discharged_at = "admitted", m.at, None
        elif m.kind == "outpatient" and state == "none":
            state = "outpatient"
        elif m.kind == "transfer" and state in ("none", "outpatient", "admitted"):
            state = "admitted"  # a transfer says the patient is in, whether or not the A01 came
        elif m.kind == "discharge":
            state, discharged_at = "discharged", m.at
        if m.unit and m.kind in ("admit", "transfer", "discharge", "outpatient"):
            unit = m.unit
    if state in ("none", "outpatient") and any(m.kind == "cancel_admit" for m in movements):
        state = "cancelled"
    return Effective(state, unit, admitted_at, discharged_at)


def _cancelled(movements: list[Movement]) -> set[str]:
    """Each cancellation removes the latest live movement of its kind."""
    wanted = Counter(CANCELS[m.kind] for m in movements if m.kind in CANCELS)
    gone: set[str] = set()
    for kind, count in wanted.items():
        of_kind = sorted((m for m in movements if m.kind == kind), key=lambda m: (m.at, m.seq))
        gone.update(m.movement_id for m in of_kind[max(0, len(of_kind) - count):])
    return gone
