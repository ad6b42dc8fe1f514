"""A moment in a request is aware and within 1900-2200, so no conversion to UTC overflows.

Break: `within_range` returning at once -> test_extreme_moments_are_refused_not_overflowed fails.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from ecovid_platform.moments import Moment

MOMENT = TypeAdapter(Moment)


@pytest.mark.parametrize("text", [
    "9999-12-31T23:59:59-14:00",  # past year 9999 once in UTC: astimezone raised OverflowError
    "0001-01-01T00:00:00+14:00", "1899-12-31T23:59:59Z", "2200-01-01T00:00:01Z",
])
def test_extreme_moments_are_refused_not_overflowed(text: str) -> None:
    with pytest.raises(ValidationError, match="between 1900 and 2200"):
        MOMENT.validate_python(text)


def test_ordinary_moments_pass_and_a_naive_one_does_not() -> None:
    assert MOMENT.validate_python("2026-12-01T08:00:00+01:00").astimezone(UTC) == datetime(2026, 12, 1, 7, tzinfo=UTC)
    with pytest.raises(ValidationError):
        MOMENT.validate_python("2026-12-01T08:00:00")
