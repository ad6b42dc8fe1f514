"""Dry run of a candidate rule set over the recorded readings: counts what would change, changes nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ecovid_monitor.domain.rules import PastReading, ReadingValues, RuleSet, reevaluate
from ecovid_monitor.read_models.tables import patients, readings

# The report names this many changed readings; the counts cover all of them.
LISTED_CHANGES = 100
# A dry run stops after this long, under the gateway's 10 s wait for a service: past it,
# the gateway would take the service for down. The report then says it is partial.
DRY_RUN_SECONDS = 8.0


def past_readings(session: Session) -> Iterator[PastReading]:
    query = (sa.select(readings, patients.c.birth_date)
             .join(patients, patients.c.patient_id == readings.c.patient_id)
             .order_by(readings.c.taken_at))
    for row in session.execute(query.execution_options(yield_per=1000)):
        yield PastReading(
            patient_id=row.patient_id, reading_id=row.reading_id,
            values=ReadingValues(**row.values), birth_date=row.birth_date, taken_at=row.taken_at,
            overall_before=row.overall_level, levels_before=row.levels,
        )


def until(deadline: float, readings: Iterator[PastReading], stopped: list[bool]) -> Iterator[PastReading]:
    """The readings until the deadline (time.monotonic); `stopped` says whether it cut them short."""
    for reading in readings:
        if time.monotonic() > deadline:
            stopped.append(True)
            return
        yield reading


def dry_run(session: Session, candidate: RuleSet, seconds: float = DRY_RUN_SECONDS) -> dict[str, Any]:
    stopped: list[bool] = []
    readings = until(time.monotonic() + seconds, past_readings(session), stopped)
    report = reevaluate(readings, candidate).model_dump(mode="json")
    # `complete: false`: the counts cover the oldest `readings_evaluated` readings only.
    report["complete"] = not stopped
    report["overall_changes"] = [
        {"reading_id": str(c[0]), "before": c[1], "after": c[2]}
        for c in report["overall_changes"][:LISTED_CHANGES]
    ]
    return report
