"""Dyspnea, symptom booleans and the wish to stay home, at every age."""

from datetime import UTC, date, datetime

import pytest

from ecovid_monitor.domain.rules import Level, ReadingValues, colour_reading, default_rule_set

TAKEN_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADULT, CHILD = date(1980, 5, 17), date(2022, 7, 1)
N, W, A = Level.NORMAL, Level.WATCH, Level.ALERT
SYMPTOMS = ["chills", "malaise", "cough", "anosmia", "digestive_troubles"]

ANSWER_TABLE = [
    ("dyspnea", "none", N), ("dyspnea", "exertion", W), ("dyspnea", "rest", A),
    *[(symptom, False, N) for symptom in SYMPTOMS],
    *[(symptom, True, W) for symptom in SYMPTOMS],
    ("wishes_to_stay_home", True, N), ("wishes_to_stay_home", False, W),
]


@pytest.mark.parametrize("born", [ADULT, CHILD], ids=["adult", "child"])
@pytest.mark.parametrize(("indicator", "value", "level"), ANSWER_TABLE)
def test_answers_are_coloured_the_same_at_every_age(born: date, indicator: str, value: object, level: Level) -> None:
    colouring = colour_reading(ReadingValues(**{indicator: value}), born, TAKEN_AT, default_rule_set())
    assert (colouring.levels[indicator], colouring.overall_level) == (level, level)


def test_an_answer_breach_has_no_bounds() -> None:
    values = ReadingValues(dyspnea="rest", wishes_to_stay_home=False)
    colouring = colour_reading(values, ADULT, TAKEN_AT, default_rule_set())
    assert [(b.indicator, b.value, b.level, b.lower, b.upper, b.crossed) for b in colouring.breaches] == [
        ("dyspnea", "rest", A, None, None, None),
        ("wishes_to_stay_home", False, W, None, None, None),
    ]
