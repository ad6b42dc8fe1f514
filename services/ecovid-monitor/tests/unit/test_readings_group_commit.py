"""Readings of concurrent requests saved in one transaction: each keeps its own outcome."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from eventsourcing.persistence import IntegrityError

from ecovid_events import Actor
from ecovid_platform.errors import Conflict, NotFound, Unprocessable

from ecovid_monitor.application import Forbidden, MonitorApplication, ReadingCommand
from ecovid_monitor.domain.rules import ReadingValues

DOCTOR = Actor(kind="professional", id=str(uuid.uuid4()))


def episode(app: MonitorApplication) -> uuid.UUID:
    details = {"started_on": date.today() - timedelta(days=1), "status": "tested_positive",
               "structure_id": uuid.uuid4(), "readings_per_day": 2, "needs_assistance": False}
    return app.open_episode(uuid.uuid4(), date(1960, 1, 1), details, DOCTOR, "c")


def command(episode_id: uuid.UUID, temperature: float, *, taken_at: datetime | None = None,
            actor: Actor = DOCTOR) -> ReadingCommand:
    return ReadingCommand(episode_id, taken_at or datetime.now(UTC), ReadingValues(temperature=temperature),
                          actor, f"corr-{temperature}")


def test_a_batch_stores_every_good_reading_and_answers_each_bad_one_with_its_own_error(
    app: MonitorApplication,
) -> None:
    first, second, closed = episode(app), episode(app), episode(app)
    app.close_episode(closed, date.today(), DOCTOR, "c")
    outcomes = app.record_readings([
        command(first, 40.5),
        command(uuid.uuid4(), 37.0),  # unknown episode
        command(second, 36.8),
        command(closed, 37.0),
        command(first, 36.9),  # the same episode again, after the first reading
        command(second, 37.0, taken_at=datetime.now(UTC) - timedelta(days=30)),  # before the episode
        command(second, 37.0, actor=Actor(kind="patient", id=str(uuid.uuid4()))),  # someone else's episode
    ])
    kinds = [type(o).__name__ if isinstance(o, Exception) else o[1].overall_level for o in outcomes]
    assert kinds == ["alert", "NotFound", "normal", "Conflict", "normal", "Unprocessable", "Forbidden"]
    assert isinstance(outcomes[1], NotFound) and isinstance(outcomes[3], Conflict)
    assert isinstance(outcomes[5], Unprocessable) and isinstance(outcomes[6], Forbidden)
    stored = {e: [r["id"] for r in app.readings(e)] for e in (first, second, closed)}
    assert stored == {first: [outcomes[0][0], outcomes[4][0]], second: [outcomes[2][0]], closed: []}  # type: ignore[index]
    assert app.episode(first).version == 3  # opened, then two readings in one save


def test_a_conflict_with_another_writer_stores_each_reading_once_on_its_own(
    app: MonitorApplication, monkeypatch: pytest.MonkeyPatch,
) -> None:
    one, two = episode(app), episode(app)
    real_save, calls = app.save, []

    def save_failing_once(*aggregates):  # type: ignore[no-untyped-def]
        calls.append(len(aggregates))
        if len(calls) == 1:
            raise IntegrityError("another writer moved the episode")
        return real_save(*aggregates)

    monkeypatch.setattr(app, "save", save_failing_once)
    outcomes = app.record_readings([command(one, 40.5), command(two, 36.5), command(one, 37.0)])
    assert calls == [2, 1, 1, 1]  # the batch, then each command alone
    assert [o[1].overall_level for o in outcomes] == ["alert", "normal", "normal"]  # type: ignore[index]
    assert [r["id"] for r in app.readings(one)] == [outcomes[0][0], outcomes[2][0]]  # type: ignore[index]
    assert [r["id"] for r in app.readings(two)] == [outcomes[1][0]]  # type: ignore[index]
