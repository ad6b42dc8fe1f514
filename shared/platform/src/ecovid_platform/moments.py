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

from pydantic import AfterValidator, AwareDatetime

# No time zone is a day or more away from UTC.
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, tzinfo=UTC)


def within_range(moment: datetime) -> datetime:
    if not EARLIEST <= moment <= LATEST:  # comparing aware moments never overflows
        raise ValueError(f"must be between {EARLIEST.date()} and {LATEST.date()} in UTC")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(within_range)]
