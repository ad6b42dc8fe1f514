"""Ordered ranges that map one measured indicator to a level or a score.

Bounds are inclusive and written on the clinical table's grid (`TABLE_STEP`).
The first range is open below, the last open above, and each starts one grid
step after the previous one ends, so a range really covers [min, next min):
38.05 °C has not reached 38.1 and stays in 36.1–38.0.
"""

from decimal import Decimal
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator

from .levels import Level

# The tables write temperature to the tenth of a degree and the rest in whole units.
TABLE_STEP = {
    "temperature": Decimal("0.1"),
    "heart_rate": Decimal(1),
    "respiratory_rate": Decimal(1),
    "spo2": Decimal(1),
}

Value = Decimal | int


class RuleError(ValueError):
    """A rule set error located below the field that raised it (`where`)."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where


class _Range(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    min: Decimal | None = None
    max: Decimal | None = None


class LevelRange(_Range):
    level: Level

    @field_validator("level")
    @classmethod
    def _known(cls, level: Level) -> Level:
        if level is Level.UNKNOWN:
            raise ValueError("unknown is kept for absent values; a range needs normal, watch or alert")
        return level


class ScoreRange(_Range):
    score: int = Field(ge=0)


R = TypeVar("R", bound=_Range)


class _Scale(RootModel[tuple[R, ...]], Generic[R]):
    model_config = ConfigDict(frozen=True)

    def find(self, value: Value) -> R:
        # Walking down from the top gives the half-open reading [min, next min).
        return next(r for r in reversed(self.root) if r.min is None or value >= r.min)

    def check_partition(self, step: Decimal) -> None:
        """Raise RuleError unless the ranges tile the whole number line on the grid."""
        ranges = self.root
        if not ranges:
            raise RuleError("", "needs at least one range")
        if ranges[0].min is not None:
            raise RuleError("[0]", "the first range must be open below (no min)")
        if ranges[-1].max is not None:
            raise RuleError(f"[{len(ranges) - 1}]", "the last range must be open above (no max)")
        for index, current in enumerate(ranges):
            _check_range(index, current, step)
            if index:
                _check_follows(index, ranges[index - 1], current, step)


class LevelScale(_Scale[LevelRange]):
    def level_of(self, value: Value) -> Level:
        return self.find(value).level

    @property
    def normal(self) -> LevelRange:
        return next(r for r in self.root if r.level is Level.NORMAL)

    def check_one_normal(self) -> None:
        if sum(r.level is Level.NORMAL for r in self.root) != 1:
            raise RuleError("", "needs exactly one normal range")


class ScoreScale(_Scale[ScoreRange]):
    def score_of(self, value: Value) -> int:
        return self.find(value).score


def _check_range(index: int, current: _Range, step: Decimal) -> None:
    for bound in (current.min, current.max):
        if bound is not None and bound % step:
            raise RuleError(f"[{index}]", f"bound {bound} is not on the table's grid of {step}")
    if current.min is not None and current.max is not None and current.min > current.max:
        raise RuleError(f"[{index}]", f"min {current.min} is above max {current.max}")


def _check_follows(index: int, previous: _Range, current: _Range, step: Decimal) -> None:
    if previous.max is None or current.min is None:
        raise RuleError(f"[{index}]", "only the first range may be open below and the last open above")
    expected = previous.max + step
    if current.min < expected:
        problem = f"overlaps [{index - 1}]: starts at {current.min} but [{index - 1}] ends at {previous.max}"
    elif current.min > expected:
        problem = f"leaves a gap after [{index - 1}]: starts at {current.min}, expected {expected}"
    else:
        return
    raise RuleError(f"[{index}]", problem)
