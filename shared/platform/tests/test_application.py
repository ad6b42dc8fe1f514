"""The service application base: conflicts retried, dates stored, aggregates found or refused."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError
from platform_fakes import Mark, Marks

from ecovid_platform.application import retry_on_conflict
from ecovid_platform.errors import NotFound
from ecovid_platform.storage import Storage


class Birth(Aggregate):
    @event("Registered", topic="platform-test:Birth.Registered.v1")
    def __init__(self, born_on: date) -> None:
        self.born_on = born_on


def test_a_conflict_is_retried_until_the_use_case_succeeds() -> None:
    calls: list[int] = []

    @retry_on_conflict(attempts=3)
    def use_case(n: int) -> int:
        calls.append(n)
        if len(calls) < 3:
            raise IntegrityError("another writer was first")
        return n * 2

    assert use_case(21) == 42
    assert calls == [21, 21, 21]


def test_a_conflict_that_persists_is_raised_after_the_attempts() -> None:
    calls: list[int] = []

    @retry_on_conflict(attempts=2)
    def use_case() -> None:
        calls.append(1)
        raise IntegrityError("always")

    with pytest.raises(IntegrityError):
        use_case()
    assert len(calls) == 2


def test_calendar_dates_are_stored_and_read_back_by_a_new_process(marks: Marks, storage: Storage) -> None:
    birth = Birth(born_on=date(1950, 3, 2))
    marks.save(birth)
    restarted = Marks(env=storage.eventsourcing_env())
    try:
        assert restarted.repository.get(birth.id).born_on == date(1950, 3, 2)
    finally:
        restarted.close()


def test_find_gives_the_aggregate_of_that_kind_or_none(marks: Marks) -> None:
    mark = Mark(source_event_id=uuid.uuid4(), name="Found")
    marks.save(mark)
    found = marks.find(mark.id, Mark)
    assert found is not None and found.name == "Found"
    assert marks.find(mark.id, Birth) is None  # another kind
    assert marks.find(uuid.uuid4(), Mark) is None


def test_get_or_404_names_the_field(marks: Marks) -> None:
    missing = uuid.uuid4()
    with pytest.raises(NotFound) as refused:
        marks.get_or_404(missing, Mark, "mark_id")
    assert str(refused.value) == f"mark {missing} not found"
    assert refused.value.field == "mark_id"


def test_listeners_are_woken_after_a_save(marks: Marks) -> None:
    woken: list[str] = []
    marks.on_recorded = lambda: woken.append("relay")
    marks.recorded_listeners.append(lambda: woken.append("projector"))
    marks.save(Mark(source_event_id=uuid.uuid4(), name="Woken"))
    assert woken == ["relay", "projector"]


def test_a_conflicting_save_evicts_the_stale_aggregate_from_the_cache(marks: Marks, storage: Storage) -> None:
    """Break: do not evict on IntegrityError in `_record` -> fails (the stale copy is served)."""
    mark = Mark(source_event_id=uuid.uuid4(), name="Cached")
    marks.save(mark)
    other = Marks(env=storage.eventsourcing_env())
    try:
        theirs = other.repository.get(mark.id)
        theirs.trigger_event(Aggregate.Event)  # a second version, saved by another writer
        other.save(theirs)
    finally:
        other.close()
    ours = marks.repository.get(mark.id)
    ours.trigger_event(Aggregate.Event)
    with pytest.raises(IntegrityError):
        marks.save(ours)
    assert marks.repository.get(mark.id).version == 2  # read again from the store
