"""Paediatric bands of clinical-rules.md: every band's heart and respiratory rate edges, temperature, SpO2."""

from datetime import UTC, date, datetime

import pytest

from ecovid_monitor.domain.rules import Level, ReadingValues, colour_reading, default_rule_set

TAKEN_AT = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)
N, W, A = Level.NORMAL, Level.WATCH, Level.ALERT


def born_months_before(months: int) -> date:
    total = TAKEN_AT.year * 12 + TAKEN_AT.month - 1 - months
    return date(total // 12, total % 12 + 1, TAKEN_AT.day)


def colour_at(months: int, **values: object):
    return colour_reading(ReadingValues(**values), born_months_before(months), TAKEN_AT, default_rule_set())


# The table of clinical-rules.md, copied as written:
# band, first and last month of age, HR lower, upper, alert at; RR lower, upper, alert at.
CHILD_TABLE = [
    ("child_0_3m", 0, 2, 110, 160, 180, 30, 40, 60),
    ("child_3_11m", 3, 11, 110, 160, 180, 30, 40, 50),
    ("child_12_23m", 12, 23, 100, 150, 170, 25, 35, 40),
    ("child_2_4y", 24, 59, 95, 140, 160, 25, 30, 40),
    ("child_5_11y", 60, 143, 80, 120, 140, 20, 25, 30),
    ("child_12_17y", 144, 215, 60, 100, 120, 15, 20, 25),
]


def heart_rate_edges(lower: int, upper: int, alert: int) -> list[tuple[int, Level]]:
    # below lower - 20 is alert; below lower is watch; above upper is watch until the alert column
    return [(lower - 21, A), (lower - 20, W), (lower - 1, W), (lower, N),
            (upper, N), (upper + 1, W), (alert - 1, W), (alert, A)]


def respiratory_rate_edges(lower: int, upper: int, alert: int) -> list[tuple[int, Level]]:
    half = lower // 2  # the largest whole rate at or below half the lower bound
    return [(half, A), (half + 1, W), (lower - 1, W), (lower, N),
            (upper, N), (upper + 1, W), (alert - 1, W), (alert, A)]


def band_cases(indicator: str) -> list[object]:
    cases = []
    for band, first, last, hr_low, hr_up, hr_alert, rr_low, rr_up, rr_alert in CHILD_TABLE:
        edges = (heart_rate_edges(hr_low, hr_up, hr_alert) if indicator == "heart_rate"
                 else respiratory_rate_edges(rr_low, rr_up, rr_alert))
        for months in (first, last):
            cases += [pytest.param(band, months, value, level, id=f"{band}-{months}m-{value}")
                      for value, level in edges]
    return cases


@pytest.mark.parametrize(("band", "months", "heart_rate", "level"), band_cases("heart_rate"))
def test_child_heart_rate_edges(band: str, months: int, heart_rate: int, level: Level) -> None:
    colouring = colour_at(months, heart_rate=heart_rate)
    assert (colouring.age_band, colouring.levels["heart_rate"]) == (band, level)


@pytest.mark.parametrize(("band", "months", "respiratory_rate", "level"), band_cases("respiratory_rate"))
def test_child_respiratory_rate_edges(band: str, months: int, respiratory_rate: int, level: Level) -> None:
    colouring = colour_at(months, respiratory_rate=respiratory_rate)
    assert (colouring.age_band, colouring.levels["respiratory_rate"]) == (band, level)


# The same rules worked out by hand where rounding matters (odd lower bounds, "below" vs "at or below").
@pytest.mark.parametrize(
    ("months", "indicator", "value", "level"),
    [
        (1, "heart_rate", 89, A), (1, "heart_rate", 90, W),
        (200, "heart_rate", 39, A), (200, "heart_rate", 40, W),
        (200, "respiratory_rate", 7, A), (200, "respiratory_rate", 8, W),
        (18, "respiratory_rate", 12, A), (18, "respiratory_rate", 13, W),
        (100, "respiratory_rate", 10, A), (100, "respiratory_rate", 11, W),
        (1, "respiratory_rate", 15, A), (1, "respiratory_rate", 16, W),
    ],
)
def test_lower_minus_20_and_half_lower_worked_examples(months: int, indicator: str, value: int, level: Level) -> None:
    assert colour_at(months, **{indicator: value}).levels[indicator] is level


@pytest.mark.parametrize(
    ("months", "band"),
    [(0, "child_0_3m"), (2, "child_0_3m"), (3, "child_3_11m"), (11, "child_3_11m"),
     (12, "child_12_23m"), (23, "child_12_23m"), (24, "child_2_4y"), (59, "child_2_4y"),
     (60, "child_5_11y"), (143, "child_5_11y"), (144, "child_12_17y"), (215, "child_12_17y"),
     (216, "adult"), (900, "adult")],
)
def test_age_band_edges(months: int, band: str) -> None:
    colouring = colour_at(months, cough=False)
    assert (colouring.age_band, colouring.age_months, colouring.age_years) == (band, months, months // 12)


@pytest.mark.parametrize(
    ("temperature", "level"),
    [(35.0, A), (35.1, W), (36.0, W), (36.1, N), (37.9, N), (38.0, A), (39.0, A), (40.0, A), (37.95, N)],
)
def test_temperature_under_3_months(temperature: float, level: Level) -> None:
    assert colour_at(2, temperature=temperature).levels["temperature"] is level


@pytest.mark.parametrize("months", [3, 11, 12, 24, 60, 144, 215])
@pytest.mark.parametrize(
    ("temperature", "level"),
    [(35.0, A), (35.1, W), (36.0, W), (36.1, N), (38.0, N), (38.1, W), (39.9, W), (40.0, A)],
)
def test_temperature_from_3_months(months: int, temperature: float, level: Level) -> None:
    assert colour_at(months, temperature=temperature).levels["temperature"] is level


@pytest.mark.parametrize("months", [0, 3, 12, 24, 60, 144, 215])
@pytest.mark.parametrize(("spo2", "level"), [(50, A), (92, A), (93, W), (95, W), (96, N), (100, N)])
def test_child_spo2(months: int, spo2: int, level: Level) -> None:
    assert colour_at(months, spo2=spo2).levels["spo2"] is level


def test_a_child_breach_carries_the_band_normal_range() -> None:
    (breach,) = colour_at(150, heart_rate=105).breaches
    assert (breach.lower, breach.upper, breach.crossed, breach.level) == (60, 100, "upper", W)
