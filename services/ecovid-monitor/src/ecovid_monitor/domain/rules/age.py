"""A patient's age when a reading was taken, in completed calendar months.

A month is completed when the day of the month of birth is reached again; when
that day does not exist (born 31 January), it is reached on the 1st of the next
month: 0 months on 28 February, 1 month on 1 March (as java.time.Period and
dateutil do). This keeps a baby in the younger, stricter band for the extra
day. The date is taken_at's own calendar date, in the offset it carries.
"""

from datetime import date, datetime
from typing import NamedTuple


class Age(NamedTuple):
    years: int
    months: int  # in total, not the remainder after years: 2 years and 6 months is 30


def age_at(birth_date: date, taken_at: datetime) -> Age:
    """Completed years and months at `taken_at`; a reading before birth is an error."""
    on = taken_at.date()
    months = (on.year - birth_date.year) * 12 + on.month - birth_date.month
    if on.day < birth_date.day:
        months -= 1
    if months < 0:
        raise ValueError(f"reading taken on {on} before birth on {birth_date}")
    return Age(years=months // 12, months=months)
