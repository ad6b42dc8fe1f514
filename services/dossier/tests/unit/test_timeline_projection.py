"""The timeline and care-episode read models on SQLite: order, filters, paging, idempotence."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ecovid_events.alerting import AlertRaised
from ecovid_events.ecovid import CareEpisodeClosed, CareEpisodeOpened, CareStatusChanged, ReadingRecorded
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage

from dossier import SERVICE, episodes, read_models, timeline

PATIENT, EPISODE = uuid.uuid4(), uuid.uuid4()
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
HEAD = {"schema_version": 1, "correlation_id": "c", "actor": {"kind": "patient"}, "patient_id": PATIENT}


def opened() -> CareEpisodeOpened:
    return CareEpisodeOpened(**HEAD, event_id=uuid.uuid4(), occurred_at=T0, producer="ecovid-monitor", payload={
        "episode_id": EPISODE, "started_on": T0.date(), "status": "tested_positive",
        "structure_id": uuid.uuid4(), "readings_per_day": 2, "needs_assistance": False})


def reading(minutes: int, level: str) -> ReadingRecorded:
    at = T0 + timedelta(minutes=minutes)
    return ReadingRecorded(**HEAD, event_id=uuid.uuid4(), occurred_at=at, producer="ecovid-monitor", payload={
        "reading_id": uuid.uuid4(), "episode_id": EPISODE, "taken_at": at, "recorded_at": at, "source": "patient",
        "values": {"spo2": 93}, "levels": {"spo2": level}, "overall_level": level,
        "rule_set": {"id": "r", "version": "1"}, "age_band": "adult"})


def alert(minutes: int) -> AlertRaised:
    at = T0 + timedelta(minutes=minutes)
    return AlertRaised(**HEAD, event_id=uuid.uuid4(), occurred_at=at, producer="alerting", payload={
        "alert_id": uuid.uuid4(), "kind": "threshold", "level": "alert", "raised_at": at,
        "source_event_id": uuid.uuid4(), "summary": "spo2=93"})


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    store = Storage(SERVICE, ServiceSettings(data_dir=tmp_path))
    store.create_tables(read_models.metadata)
    return store


def test_entries_come_in_time_order_whatever_the_arrival(storage: Storage) -> None:
    events = [alert(10), reading(10, "alert"), opened(), reading(5, "watch")]
    with storage.transaction() as session:
        for event in events:
            timeline.record_event(session, event)
        timeline.record_event(session, events[0])  # met twice (live and rebuild): stored once
    with storage.transaction() as session:
        items = timeline.page(session, PATIENT)["items"]
    assert [i["occurred_at"] for i in items] == sorted(i["occurred_at"] for i in items)
    assert len(items) == 4 and items[0]["event_type"] == "CareEpisodeOpened"
    tied = [i["event_id"] for i in items if i["occurred_at"] == (T0 + timedelta(minutes=10)).isoformat()]
    assert tied == sorted(tied)  # same instant: the event id decides, the same way every time


def test_filters_and_pages(storage: Storage) -> None:
    with storage.transaction() as session:
        timeline.record_events(session, [opened(), reading(5, "watch"), reading(10, "alert"), alert(10)])
    with storage.transaction() as session:
        first = timeline.page(session, PATIENT, limit=3)
        rest = timeline.page(session, PATIENT, limit=3, offset=first["next_offset"])
        kinds = timeline.page(session, PATIENT, kinds=["AlertRaised"])["items"]
        window = timeline.page(session, PATIENT, since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=6))
        # What the gateway leaves out for a role (notes, documents): left out before paging.
        without = timeline.page(session, PATIENT, excluded=["ReadingRecorded"], limit=2)
        both = timeline.page(session, PATIENT, kinds=["AlertRaised"], excluded=["AlertRaised"])
    assert [i["event_type"] for i in without["items"]] == ["CareEpisodeOpened", "AlertRaised"]
    assert without["next_offset"] is None and both["items"] == []
    assert len(first["items"]) == 3 and len(rest["items"]) == 1 and rest["next_offset"] is None
    assert [i["summary"] for i in kinds] == ["threshold alert raised (alert)"]
    assert [i["summary"] for i in window["items"]] == ["reading recorded: watch"]


def test_the_episode_shows_its_latest_reading(storage: Storage) -> None:
    with storage.transaction() as session:
        episodes.episode_opened(session, opened())
        episodes.reading_recorded(session, reading(10, "alert"))
        episodes.reading_recorded(session, reading(5, "watch"))  # late: counted, not the state
    with storage.transaction() as session:
        current = episodes.current_episode(session, PATIENT)
    assert current is not None
    assert (current["general_state"], current["readings"], current["levels"]) == ("alert", 2, {"spo2": "alert"})


@pytest.mark.parametrize("order", [(10, 5, 12), (5, 12, 10), (12, 10, 5)])
def test_a_run_of_readings_at_once_equals_one_by_one(tmp_path: Path, order: tuple[int, ...]) -> None:
    def summary(apply) -> dict | None:  # type: ignore[no-untyped-def, type-arg]
        store = Storage(SERVICE, ServiceSettings(data_dir=tmp_path / str(id(apply))))
        store.create_tables(read_models.metadata)
        run = [reading(minutes, level) for minutes, level in zip(order, ("alert", "watch", "normal"), strict=True)]
        with store.transaction() as session:
            episodes.episode_opened(session, opened())
            episodes.reading_recorded(session, reading(7, "watch"))  # an earlier batch
            apply(session, run)
        with store.transaction() as session:
            current = episodes.current_episode(session, PATIENT)
        assert current is not None
        return {k: current[k] for k in ("readings", "last_reading_at", "general_state", "levels")}

    def one_by_one(session, run) -> None:  # type: ignore[no-untyped-def]
        for event in run:
            episodes.reading_recorded(session, event)

    expected = summary(one_by_one)
    assert summary(episodes.readings_recorded) == expected
    assert expected["readings"] == 4
    assert expected["last_reading_at"] == (T0 + timedelta(minutes=12)).isoformat()


def test_a_closed_episode_is_no_longer_the_open_one(storage: Storage) -> None:
    head = {**HEAD, "producer": "ecovid-monitor", "occurred_at": T0 + timedelta(days=1)}
    with storage.transaction() as session:
        episodes.episode_opened(session, opened())
        episodes.status_changed(session, CareStatusChanged(**head, event_id=uuid.uuid4(), payload={
            "episode_id": EPISODE, "status": "tested_negative", "hospitalised": True}))
        changed = episodes.current_episode(session, PATIENT)
        episodes.episode_closed(session, CareEpisodeClosed(**head, event_id=uuid.uuid4(), payload={
            "episode_id": EPISODE, "closed_on": T0.date()}))
        closed = episodes.current_episode(session, PATIENT)
    assert changed is not None and (changed["status"], changed["hospitalised"]) == ("tested_negative", True)
    assert closed is None
