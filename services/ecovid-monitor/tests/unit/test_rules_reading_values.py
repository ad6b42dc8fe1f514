"""Physical limits of a reading: values outside them are refused with the field named, never coloured."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from ecovid_monitor.domain.rules import ReadingValues

OUT_OF_RANGE = [
    ("temperature", 29.9), ("temperature", 45.1), ("temperature", float("nan")), ("temperature", "hot"),
    ("heart_rate", 19), ("heart_rate", 251), ("heart_rate", 72.5),
    ("respiratory_rate", 3), ("respiratory_rate", 81),
    ("spo2", 49), ("spo2", 101),
    ("dyspnea", "severe"),
    ("chills", "maybe"), ("malaise", 2), ("cough", "sometimes"), ("anosmia", "x"),
    ("digestive_troubles", 3), ("wishes_to_stay_home", "perhaps"),
]


@pytest.mark.parametrize(("field", "value"), OUT_OF_RANGE)
def test_out_of_range_values_are_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        ReadingValues(**{field: value})
    assert [error["loc"] for error in refused.value.errors()] == [(field,)]


@pytest.mark.parametrize(
    ("field", "value"),
    [("temperature", 30.0), ("temperature", 45.0), ("heart_rate", 20), ("heart_rate", 250),
     ("respiratory_rate", 4), ("respiratory_rate", 80), ("spo2", 50), ("spo2", 100),
     ("dyspnea", "none"), ("cough", False)],
)
def test_physical_limits_are_inclusive(field: str, value: object) -> None:
    assert ReadingValues(**{field: value}).given() == {field: value}


@pytest.mark.parametrize("values", [{}, {"temperature": None, "cough": None}])
def test_a_reading_without_any_indicator_is_refused(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match="at least one indicator"):
        ReadingValues(**values)


def test_an_unknown_indicator_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        ReadingValues(temprature=38.0)
    assert ("temprature",) in [error["loc"] for error in refused.value.errors()]


def test_temperature_is_kept_as_an_exact_decimal() -> None:
    assert ReadingValues(temperature=38.1).temperature == Decimal("38.1")
