"""The NEWS2-style partial score and the combination rule (ages 16 and over, score 5 or more)."""

from datetime import UTC, date, datetime

import pytest

from ecovid_monitor.domain.rules import Level, ReadingValues, colour_reading, default_rule_set

ADULT_BORN = date(1980, 5, 17)
TAKEN_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def colour(born: date = ADULT_BORN, taken_at: datetime = TAKEN_AT, **values: object):
    return colour_reading(ReadingValues(**values), born, taken_at, default_rule_set())


NEWS2_TABLE = [
    ("respiratory_rate", 4, 3), ("respiratory_rate", 8, 3), ("respiratory_rate", 9, 1),
    ("respiratory_rate", 11, 1), ("respiratory_rate", 12, 0), ("respiratory_rate", 20, 0),
    ("respiratory_rate", 21, 2), ("respiratory_rate", 24, 2), ("respiratory_rate", 25, 3),
    ("spo2", 91, 3), ("spo2", 92, 2), ("spo2", 93, 2), ("spo2", 94, 1), ("spo2", 95, 1),
    ("spo2", 96, 0), ("spo2", 100, 0),
    ("heart_rate", 40, 3), ("heart_rate", 41, 1), ("heart_rate", 50, 1), ("heart_rate", 51, 0),
    ("heart_rate", 90, 0), ("heart_rate", 91, 1), ("heart_rate", 110, 1), ("heart_rate", 111, 2),
    ("heart_rate", 130, 2), ("heart_rate", 131, 3),
    ("temperature", 35.0, 3), ("temperature", 35.1, 1), ("temperature", 36.0, 1),
    ("temperature", 36.1, 0), ("temperature", 38.0, 0), ("temperature", 38.1, 1),
    ("temperature", 39.0, 1), ("temperature", 39.1, 2), ("temperature", 45.0, 2),
]


@pytest.mark.parametrize(("parameter", "value", "score"), NEWS2_TABLE)
def test_news2_partial_score_table(parameter: str, value: object, score: int) -> None:
    assert colour(**{parameter: value}).news2_partial_score == score


def test_score_sums_the_parameters_present() -> None:
    assert colour(respiratory_rate=22, spo2=94, heart_rate=111, temperature=38.5).news2_partial_score == 2 + 1 + 2 + 1


def test_no_score_without_a_scored_parameter() -> None:
    colouring = colour(cough=True, dyspnea="exertion")
    assert colouring.news2_partial_score is None
    assert colouring.combination_applied is False


# RR 22 (2) + HR 115 (2) = 4, each only watch; adding 38.5 °C (1) makes 5.
FOUR = {"respiratory_rate": 22, "heart_rate": 115}
FIVE = {**FOUR, "temperature": 38.5}


@pytest.mark.parametrize(
    ("born", "values", "score", "overall", "applied"),
    [
        (ADULT_BORN, FOUR, 4, Level.WATCH, False),
        (ADULT_BORN, FIVE, 5, Level.ALERT, True),
        (date(2010, 3, 2), FOUR, 4, Level.WATCH, False),  # 16 today
        (date(2010, 3, 2), FIVE, 5, Level.ALERT, True),
        (date(2010, 3, 3), FIVE, None, Level.WATCH, False),  # 16 tomorrow
        (date(2010, 3, 3), {**FIVE, "spo2": 93}, None, Level.WATCH, False),
    ],
)
def test_combination_rule_by_age_and_score(
    born: date, values: dict[str, object], score: int | None, overall: Level, applied: bool
) -> None:
    colouring = colour(born, **values)
    assert {colouring.levels[name] for name in values} == {Level.WATCH}
    assert (colouring.news2_partial_score, colouring.overall_level) == (score, overall)
    assert colouring.combination_applied is applied


def test_patient_turning_16_between_two_readings() -> None:
    born = date(2010, 6, 20)
    before = colour(born, datetime(2026, 6, 19, 22, 0, tzinfo=UTC), **FIVE)
    after = colour(born, datetime(2026, 6, 20, 7, 0, tzinfo=UTC), **FIVE)
    assert (before.age_years, before.overall_level, before.news2_partial_score) == (15, Level.WATCH, None)
    assert (after.age_years, after.overall_level, after.news2_partial_score) == (16, Level.ALERT, 5)
    assert before.age_band == after.age_band == "child_12_17y"


def test_combination_is_not_applied_when_an_indicator_is_already_alert() -> None:
    colouring = colour(respiratory_rate=25, heart_rate=111)
    assert (colouring.news2_partial_score, colouring.overall_level) == (5, Level.ALERT)
    assert colouring.combination_applied is False


def test_combination_adds_no_breach_of_its_own() -> None:
    colouring = colour(**FIVE)
    assert [breach.indicator for breach in colouring.breaches] == ["temperature", "heart_rate", "respiratory_rate"]
