"""A moment in a request is aware and a day inside datetime's years, so no conversion to UTC overflows.

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
    "0001-01-01T00:00:00+14:00", "0001-01-01T12:00:00Z", "9999-12-31T00:00:00Z",
])
def test_extreme_moments_are_refused_not_overflowed(text: str) -> None:
    with pytest.raises(ValidationError, match="between 0001-01-02 and 9999-12-30 in UTC"):
        MOMENT.validate_python(text)


def test_ordinary_and_far_moments_pass_and_a_naive_one_does_not() -> None:
    for far in ("1899-12-31T23:59:59Z", "2999-01-01T00:00:00Z", "9999-12-28T23:00:00-14:00"):
        MOMENT.validate_python(far).astimezone(UTC)
    assert MOMENT.validate_python("2026-12-01T08:00:00+01:00").astimezone(UTC) == datetime(2026, 12, 1, 7, tzinfo=UTC)
    with pytest.raises(ValidationError):
        MOMENT.validate_python("2026-12-01T08:00:00")
