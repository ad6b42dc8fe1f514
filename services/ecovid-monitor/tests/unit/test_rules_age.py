"""Age at the time a reading was taken: completed calendar months, birthdays, band changes."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from ecovid_monitor.domain.rules import Age, Level, ReadingValues, age_at, colour_reading, default_rule_set

N, W = Level.NORMAL, Level.WATCH


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2026, 3, 1), date(2026, 3, 1), Age(0, 0)),
        (date(2026, 1, 15), date(2026, 4, 14), Age(0, 2)),
        (date(2026, 1, 15), date(2026, 4, 15), Age(0, 3)),
        # a month completes when the day of birth comes round; a missing day rolls to the 1st
        (date(2026, 1, 31), date(2026, 2, 28), Age(0, 0)),
        (date(2026, 1, 31), date(2026, 3, 1), Age(0, 1)),
        (date(2026, 1, 31), date(2026, 4, 30), Age(0, 2)),
        (date(2026, 1, 31), date(2026, 5, 1), Age(0, 3)),
        (date(2024, 2, 29), date(2025, 2, 28), Age(0, 11)),
        (date(2024, 2, 29), date(2025, 3, 1), Age(1, 12)),
        (date(2024, 2, 29), date(2028, 2, 29), Age(4, 48)),
        (date(2008, 6, 10), date(2026, 6, 9), Age(17, 215)),
        (date(2008, 6, 10), date(2026, 6, 10), Age(18, 216)),
        (date(2025, 12, 31), date(2026, 1, 30), Age(0, 0)),
        (date(2025, 12, 31), date(2026, 1, 31), Age(0, 1)),
    ],
)
def test_age_in_completed_months(born: date, on: date, age: Age) -> None:
    assert age_at(born, at(on)) == age


def test_the_date_is_taken_in_the_offset_taken_at_carries() -> None:
    paris_summer = timezone(timedelta(hours=2))
    local = datetime(2026, 6, 10, 0, 30, tzinfo=paris_summer)
    assert age_at(date(2008, 6, 10), local) == Age(18, 216)
    assert age_at(date(2008, 6, 10), local.astimezone(UTC)) == Age(17, 215)


def test_a_reading_before_birth_is_refused() -> None:
    with pytest.raises(ValueError, match="before birth"):
        colour_reading(ReadingValues(cough=True), date(2026, 3, 10), at(date(2026, 3, 9)), default_rule_set())


def test_patient_turning_18_between_two_readings() -> None:
    born, values = date(2008, 6, 10), ReadingValues(spo2=95, heart_rate=55)
    child = colour_reading(values, born, datetime(2026, 6, 9, 23, 0, tzinfo=UTC), default_rule_set())
    adult = colour_reading(values, born, datetime(2026, 6, 10, 8, 0, tzinfo=UTC), default_rule_set())
    assert (child.age_band, child.levels["spo2"], child.levels["heart_rate"]) == ("child_12_17y", W, W)
    assert (adult.age_band, adult.levels["spo2"], adult.levels["heart_rate"]) == ("adult", N, N)


def test_baby_turning_3_months_between_two_readings() -> None:
    born, values = date(2026, 1, 15), ReadingValues(temperature=38.0, respiratory_rate=55)
    younger = colour_reading(values, born, datetime(2026, 4, 14, 23, 0, tzinfo=UTC), default_rule_set())
    older = colour_reading(values, born, datetime(2026, 4, 15, 6, 0, tzinfo=UTC), default_rule_set())
    assert (younger.age_band, younger.age_months) == ("child_0_3m", 2)
    assert (younger.levels["temperature"], younger.levels["respiratory_rate"]) == (Level.ALERT, Level.WATCH)
    assert (older.age_band, older.age_months) == ("child_3_11m", 3)
    assert (older.levels["temperature"], older.levels["respiratory_rate"]) == (Level.NORMAL, Level.ALERT)


def test_baby_whose_3_month_day_does_not_exist_stays_under_3_months_until_the_1st() -> None:
    born, values = date(2025, 11, 30), ReadingValues(temperature=38.0)
    on_28_feb = colour_reading(values, born, datetime(2026, 2, 28, 12, tzinfo=UTC), default_rule_set())
    on_1_mar = colour_reading(values, born, datetime(2026, 3, 1, 12, tzinfo=UTC), default_rule_set())
    assert (on_28_feb.age_band, on_28_feb.overall_level) == ("child_0_3m", Level.ALERT)
    assert (on_1_mar.age_band, on_1_mar.overall_level) == ("child_3_11m", Level.NORMAL)
