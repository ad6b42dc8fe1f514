"""A moment given in a request (a reading's time, a filter's bound): aware, and within years
that every store and conversion can hold.

`9999-12-31T23:59:59-14:00` is valid ISO 8601, but it is past year 9999 in UTC: converting
it (`astimezone(UTC)`, as the stores do) raised OverflowError, a 500. Nothing the platform
records happened before 1900 or will after 2200.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def within_range(moment: datetime) -> datetime:
    if not EARLIEST <= moment <= LATEST:  # comparing aware moments never overflows
        raise ValueError(f"must be between {EARLIEST.year} and {LATEST.year}")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(within_range)]
