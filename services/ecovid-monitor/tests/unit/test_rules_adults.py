"""Adult thresholds of clinical-rules.md, both sides of every boundary."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ecovid_monitor.domain.rules import INDICATORS, Breach, Level, ReadingValues, colour_reading, default_rule_set

ADULT_BORN = date(1980, 5, 17)
TAKEN_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
N, W, A = Level.NORMAL, Level.WATCH, Level.ALERT


def colour(**values: object):
    return colour_reading(ReadingValues(**values), ADULT_BORN, TAKEN_AT, default_rule_set())


ADULT_TABLE = [
    ("temperature", 30.0, A), ("temperature", 35.0, A), ("temperature", 35.1, W),
    ("temperature", 36.0, W), ("temperature", 36.1, N), ("temperature", 38.0, N),
    ("temperature", 38.1, W), ("temperature", 39.9, W), ("temperature", 40.0, A),
    ("temperature", 45.0, A),
    ("heart_rate", 20, A), ("heart_rate", 40, A), ("heart_rate", 41, W), ("heart_rate", 50, W),
    ("heart_rate", 51, N), ("heart_rate", 90, N), ("heart_rate", 91, W), ("heart_rate", 130, W),
    ("heart_rate", 131, A), ("heart_rate", 250, A),
    ("respiratory_rate", 4, A), ("respiratory_rate", 8, A), ("respiratory_rate", 9, W),
    ("respiratory_rate", 11, W), ("respiratory_rate", 12, N), ("respiratory_rate", 20, N),
    ("respiratory_rate", 21, W), ("respiratory_rate", 24, W), ("respiratory_rate", 25, A),
    ("respiratory_rate", 80, A),
    ("spo2", 50, A), ("spo2", 92, A), ("spo2", 93, W), ("spo2", 94, W), ("spo2", 95, N), ("spo2", 100, N),
]


@pytest.mark.parametrize(("indicator", "value", "level"), ADULT_TABLE)
def test_adult_table(indicator: str, value: object, level: Level) -> None:
    colouring = colour(**{indicator: value})
    assert colouring.levels[indicator] is level
    assert colouring.age_band == "adult"


# Ranges are half-open [min, next min): a value between grid points stays below the next bound.
@pytest.mark.parametrize(
    ("temperature", "level"),
    [(35.05, A), (35.09, A), (36.05, W), (38.05, N), (38.099, N), (39.95, W), (39.99, W)],
)
def test_temperature_between_grid_points_belongs_to_the_lower_range(temperature: float, level: Level) -> None:
    assert colour(temperature=temperature).levels["temperature"] is level


def test_every_indicator_is_coloured_and_absent_ones_are_unknown() -> None:
    colouring = colour(heart_rate=72)
    assert list(colouring.levels) == list(INDICATORS)
    assert colouring.levels["heart_rate"] is N
    unknown = {name for name, level in colouring.levels.items() if level is Level.UNKNOWN}
    assert unknown == set(INDICATORS) - {"heart_rate"}


@pytest.mark.parametrize(
    ("values", "overall"),
    [
        ({"cough": False}, N),  # unknown never beats a known level
        ({"temperature": 37.0, "heart_rate": 72, "spo2": 98}, N),
        ({"temperature": 37.0, "heart_rate": 95}, W),
        ({"heart_rate": 95, "spo2": 92}, A),
        ({"temperature": 38.5, "cough": True, "dyspnea": "rest"}, A),
    ],
)
def test_overall_is_the_worst_indicator(values: dict[str, object], overall: Level) -> None:
    assert colour(**values).overall_level is overall


def test_records_the_rule_set_and_age() -> None:
    colouring = colour(heart_rate=72)
    assert (colouring.rule_set_id, colouring.rule_set_version) == ("ecovid-default", "2026.1")
    assert (colouring.age_years, colouring.age_months) == (45, 45 * 12 + 9)


@pytest.mark.parametrize(
    ("indicator", "value", "level", "lower", "upper", "crossed"),
    [
        ("heart_rate", 45, W, "51", "90", "lower"),
        ("heart_rate", 131, A, "51", "90", "upper"),
        ("temperature", Decimal("40.0"), A, "36.1", "38.0", "upper"),
        ("temperature", Decimal("35.0"), A, "36.1", "38.0", "lower"),
        ("respiratory_rate", 22, W, "12", "20", "upper"),
        ("spo2", 92, A, "95", None, "lower"),
        ("cough", True, W, None, None, None),
    ],
)
def test_a_breach_names_value_level_and_the_normal_bounds(
    indicator: str, value: object, level: Level, lower: str | None, upper: str | None, crossed: str | None
) -> None:
    bounds = {"lower": lower and Decimal(lower), "upper": upper and Decimal(upper), "crossed": crossed}
    expected = Breach(indicator=indicator, value=value, level=level, **bounds)
    assert colour(**{indicator: value}).breaches == [expected]


def test_breaches_list_every_out_of_range_indicator_and_nothing_else() -> None:
    colouring = colour(temperature=37.0, heart_rate=95, spo2=92, cough=False, dyspnea="exertion")
    assert [(b.indicator, b.level) for b in colouring.breaches] == [("heart_rate", W), ("spo2", A), ("dyspnea", W)]


def test_a_normal_reading_has_no_breach() -> None:
    assert colour(temperature=37.0, heart_rate=72, respiratory_rate=16, spo2=98).breaches == []
