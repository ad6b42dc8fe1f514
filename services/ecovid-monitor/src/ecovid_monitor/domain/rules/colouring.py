"""Colouring one reading against a rule set (coloration d'un relevé): levels, overall level, breaches."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .age import age_at
from .levels import OUT_OF_RANGE, Level, worst_of
from .reading_values import INDICATORS, MEASURED, Dyspnea, ReadingValues
from .rule_set import MeasuredTables, RuleSet


class Breach(BaseModel):
    """One indicator out of its normal range; `lower`/`upper` are the normal range's inclusive bounds."""

    model_config = ConfigDict(frozen=True)

    indicator: str
    value: bool | int | Decimal | Dyspnea
    level: Level
    lower: Decimal | None = None
    upper: Decimal | None = None
    crossed: Literal["lower", "upper"] | None = None  # None for answers, which have no bounds


class Colouring(BaseModel):
    """The result recorded with a reading, with the rule set it was evaluated with."""

    model_config = ConfigDict(frozen=True)

    levels: dict[str, Level]
    overall_level: Level
    news2_partial_score: int | None
    combination_applied: bool  # the score, not an indicator, made the reading alert
    age_band: str
    age_years: int
    age_months: int
    rule_set_id: str
    rule_set_version: str
    breaches: list[Breach]


def colour_reading(values: ReadingValues, birth_date: date, taken_at: datetime, rule_set: RuleSet) -> Colouring:
    """Colour every indicator for the patient's age at `taken_at`, then the reading as a whole."""
    age = age_at(birth_date, taken_at)
    age_band, tables = rule_set.tables_for(age)
    given = values.given()
    levels = {name: _level_of(name, given.get(name), tables, rule_set) for name in INDICATORS}
    score = rule_set.combination_rule.score(given, age)
    worst = worst_of(levels.values())
    combination_applied = worst is not Level.ALERT and rule_set.combination_rule.raises_alert(score)
    return Colouring(
        levels=levels,
        overall_level=Level.ALERT if combination_applied else worst,
        news2_partial_score=score,
        combination_applied=combination_applied,
        age_band=age_band,
        age_years=age.years,
        age_months=age.months,
        rule_set_id=rule_set.id,
        rule_set_version=rule_set.version,
        breaches=_breaches(levels, given, tables),
    )


def _level_of(indicator: str, value: object, tables: MeasuredTables, rule_set: RuleSet) -> Level:
    if value is None:
        return Level.UNKNOWN
    if indicator in MEASURED:
        return tables.scale(indicator).level_of(value)  # type: ignore[arg-type]
    return rule_set.answers.level_of(indicator, value)


def _breaches(levels: dict[str, Level], given: dict[str, object], tables: MeasuredTables) -> list[Breach]:
    return [
        _breach(name, given[name], level, tables)
        for name, level in levels.items()
        if level in OUT_OF_RANGE
    ]


def _breach(indicator: str, value: object, level: Level, tables: MeasuredTables) -> Breach:
    if indicator not in MEASURED:
        return Breach(indicator=indicator, value=value, level=level)
    normal = tables.scale(indicator).normal
    below = normal.min is not None and value < normal.min  # type: ignore[operator]
    return Breach(
        indicator=indicator,
        value=value,
        level=level,
        lower=normal.min,
        upper=normal.max,
        crossed="lower" if below else "upper",
    )

