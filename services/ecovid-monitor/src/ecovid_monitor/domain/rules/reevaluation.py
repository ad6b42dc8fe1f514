"""Dry run of a candidate rule set over past readings: what would change, without changing anything."""

from collections.abc import Iterable
from datetime import date, datetime
from typing import NamedTuple
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from .colouring import colour_reading
from .levels import Level
from .reading_values import INDICATORS, ReadingValues
from .rule_set import RuleSet


class PastReading(BaseModel):
    """A reading as recorded, with the levels it was given then."""

    model_config = ConfigDict(frozen=True)

    patient_id: UUID | str
    reading_id: UUID | str
    values: ReadingValues
    birth_date: date
    taken_at: datetime
    overall_before: Level
    levels_before: dict[str, Level]  # an indicator missing here was unknown


class OverallChange(NamedTuple):
    reading_id: UUID | str
    before: Level
    after: Level


class ReevaluationReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule_set_id: str
    rule_set_version: str
    readings_evaluated: int
    patients_evaluated: int
    readings_overall_changed: int
    patients_overall_changed: int
    readings_indicator_changed: int  # readings where at least one indicator's level would change
    overall_changes: list[OverallChange]


def reevaluate(readings: Iterable[PastReading], candidate: RuleSet) -> ReevaluationReport:
    """Colour each past reading with `candidate` and compare with what was recorded."""
    patients: set[UUID | str] = set()
    patients_changed: set[UUID | str] = set()
    changes: list[OverallChange] = []
    evaluated = indicator_changed = 0
    for past in readings:
        after = colour_reading(past.values, past.birth_date, past.taken_at, candidate)
        evaluated += 1
        patients.add(past.patient_id)
        if after.overall_level != past.overall_before:
            changes.append(OverallChange(past.reading_id, past.overall_before, after.overall_level))
            patients_changed.add(past.patient_id)
        indicator_changed += _any_indicator_changed(past.levels_before, after.levels)
    return ReevaluationReport(
        rule_set_id=candidate.id,
        rule_set_version=candidate.version,
        readings_evaluated=evaluated,
        patients_evaluated=len(patients),
        readings_overall_changed=len(changes),
        patients_overall_changed=len(patients_changed),
        readings_indicator_changed=indicator_changed,
        overall_changes=changes,
    )


def _any_indicator_changed(before: dict[str, Level], after: dict[str, Level]) -> bool:
    return any(before.get(name, Level.UNKNOWN) != after[name] for name in INDICATORS)
