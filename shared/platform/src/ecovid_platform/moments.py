"""A moment given in a request (a reading's time, a filter's bound): aware, and a day inside
the years Python's datetime holds, so that converting it to UTC never overflows.

`9999-12-31T23:59:59-14:00` is valid ISO 8601, but it is past year 9999 in UTC: converting
it (`astimezone(UTC)`, as the stores do) raised OverflowError, a 500. Far bounds on purpose:
a filter `from=2999-01-01` is a fair question; what a moment means (a reading after birth,
not in the future) is each use's own rule.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator

# No time zone is a day or more away from UTC.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)


def within_range(moment: datetime) -> datetime:
    if not EARLIEST <= moment <= LATEST:  # comparing aware moments never overflows
        raise ValueError(f"must be between {EARLIEST.date()} and {LATEST.date()} in UTC")
    return moment


def written_as_date_time(given: object) -> object:
    """A moment is written as the schema says (`format: date-time`): pydantic's lax mode
    also read a number, or a numeric text (`to=0.5` in a query), as seconds since 1970."""
    numeric_text = isinstance(given, str) and given.strip().lstrip("+-").replace(".", "", 1).isdigit()
    if numeric_text or (isinstance(given, int | float) and not isinstance(given, bool)):
        # A ValueError, which pydantic reports as the field's 422 (a TypeError it would not).
        raise ValueError("must be a date and time such as 2026-11-30T08:15:00+01:00, not a number")
    return given


Moment = Annotated[AwareDatetime, BeforeValidator(written_as_date_time), AfterValidator(within_range)]
