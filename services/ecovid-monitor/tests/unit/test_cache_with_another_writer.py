"""The aggregate cache is not fast-forwarded: another writer's save is seen through a conflict."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ecovid_events import Actor
from ecovid_platform.errors import Conflict
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage

from ecovid_monitor import SERVICE
from ecovid_monitor.application import MonitorApplication, ReadingCommand
from ecovid_monitor.domain.rules import ReadingValues, default_rule_set

DOCTOR = Actor(kind="professional", id=str(uuid.uuid4()))


def monitor(data_dir: Path) -> MonitorApplication:
    app = MonitorApplication(env=Storage(SERVICE, ServiceSettings(data_dir=data_dir)).eventsourcing_env())
    app.rule_set = default_rule_set()
    return app


def test_a_reading_after_another_process_wrote_the_episode_is_retried_on_what_is_stored(tmp_path: Path) -> None:
    here, elsewhere = monitor(tmp_path), monitor(tmp_path)
    assert here.repository.cache is not None and not here.repository.fastforward
    details = {"started_on": date.today() - timedelta(days=1), "status": "tested_positive",
               "structure_id": uuid.uuid4(), "readings_per_day": 2, "needs_assistance": False}
    episode_id = here.open_episode(uuid.uuid4(), date(1960, 1, 1), details, DOCTOR, "c")
    here.record_reading(episode_id, datetime.now(UTC), ReadingValues(temperature=37.0), DOCTOR, "c")
    assert here.episode(episode_id).version == 2  # cached here at version 2

    elsewhere.close_episode(episode_id, date.today(), DOCTOR, "c")  # version 3, unseen here
    assert here.episode(episode_id).is_open  # the cache is stale until a save conflicts

    reading = ReadingCommand(episode_id, datetime.now(UTC), ReadingValues(temperature=38.0), DOCTOR, "c")
    [outcome] = here.record_readings([reading])
    assert isinstance(outcome, Conflict)  # retried on the stored episode, which is closed
    assert not here.episode(episode_id).is_open
    assert len(here.readings(episode_id)) == 1

