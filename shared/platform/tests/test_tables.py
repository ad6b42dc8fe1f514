"""Stored times are UTC and come back aware, even from SQLite; a naive time is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ecovid_platform.storage import Storage
from ecovid_platform.tables import UTCDateTime, consumer_inbox


def test_a_time_with_an_offset_is_stored_as_utc_and_read_back_aware(storage: Storage) -> None:
    paris = timezone(timedelta(hours=2))
    with storage.transaction() as session:
        session.execute(consumer_inbox.insert().values(
            consumer="c", event_id="e", applied_at=datetime(2026, 6, 1, 12, 0, tzinfo=paris)))
    with storage.transaction() as session:
        applied_at = session.execute(sa.select(consumer_inbox.c.applied_at)).scalar_one()
    assert applied_at == datetime(2026, 6, 1, 10, 0, tzinfo=UTC) and applied_at.tzinfo == UTC


def test_a_naive_time_is_refused(storage: Storage) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive datetime"), storage.transaction() as session:
        session.execute(consumer_inbox.insert().values(consumer="c", event_id="e", applied_at=datetime(2026, 6, 1)))


def test_an_aware_time_from_the_driver_is_given_in_utc() -> None:
    read = UTCDateTime().process_result_value(datetime(2026, 6, 1, 12, tzinfo=timezone(timedelta(hours=2))),
                                              postgresql.dialect())
    assert read == datetime(2026, 6, 1, 10, tzinfo=UTC) and read.tzinfo == UTC
    assert UTCDateTime().process_result_value(None, postgresql.dialect()) is None
