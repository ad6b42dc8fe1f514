"""A rebuild decodes stored openings and readings the light way (ecovid_platform.light): the
records it hands the lists and deadlines must carry what `translate` gives, field by field and
type by type, for every kind of value a reading stores."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ecovid_events import Actor
from ecovid_platform.light import LightReader, differences
from ecovid_platform.projector import LocalProjector
from ecovid_platform.rebuild import ServiceReadModels
from ecovid_platform.rebuild.engine import rebuild
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage

from ecovid_monitor import SERVICE
from ecovid_monitor.application import MonitorApplication
from ecovid_monitor.domain.rules import ReadingValues, default_rule_set
from ecovid_monitor.integration import LIGHT, translate
from ecovid_monitor.read_models import projections
from ecovid_monitor.read_models.deadlines import Deadlines
from ecovid_monitor.read_models.tables import metadata

DOCTOR = Actor(kind="professional", id=str(uuid.uuid4()))


def _store(app: MonitorApplication) -> list:
    today = date.today()
    details = {"started_on": today - timedelta(days=2), "status": "tested_positive", "structure_id": uuid.uuid4(),
               "readings_per_day": 2, "needs_assistance": False, "first_symptoms_on": today - timedelta(days=3),
               "component": "ward 3"}
    first = app.open_episode(uuid.uuid4(), date(1950, 1, 2), details, DOCTOR, "c-1")
    second = app.open_episode(uuid.uuid4(), date(2019, 3, 4), {**details, "first_symptoms_on": None,
                                                                 "component": None}, DOCTOR, "c-2")
    taken = datetime.now(UTC) - timedelta(hours=1)
    for episode, values in [
        (first, ReadingValues(temperature=Decimal("40.3"), spo2=90, heart_rate=125)),  # breached: two events
        (first, ReadingValues(temperature=Decimal("36.6"), cough=True, dyspnea="exertion")),
        (second, ReadingValues(respiratory_rate=30, malaise=False, chills=True)),
        (second, ReadingValues(temperature=Decimal("37.0"), anosmia=True, digestive_troubles=False)),
    ]:
        app.record_reading(episode, taken, values, DOCTOR, "c-r")
        taken += timedelta(minutes=5)
    app.change_status(first, "tested_negative", DOCTOR, "c-s")
    return list(app.recorder.select_notifications(1, 100))


def test_light_records_are_what_translate_gives(app: MonitorApplication) -> None:
    """Break: a reading's values keep their Decimal (no float) -> fails; break: recorded_at taken
    from taken_at -> fails; break: first_symptoms_on left a string -> fails; break: ThresholdBreached
    left out of the reading topic's `yields` -> fails."""
    notifications = _store(app)
    assert {n.topic for n in notifications} >= {"ecovid:CareEpisode.Opened.v1",
                                                 "ecovid:CareEpisode.ReadingRecorded.v1"}
    assert differences(app, translate, LIGHT, notifications) == []


def test_the_reader_gives_the_events_translate_gives_in_order(app: MonitorApplication) -> None:
    """Light where it can, the long way for the status change; same types, same order, same ids.
    Break: LightReader drops what has no decoder -> the status change is lost."""
    notifications = _store(app)
    wanted = {"CareEpisodeOpened", "ReadingRecorded", "CareStatusChanged"}
    reader = LightReader(app, translate, LIGHT, wanted)
    got = reader.read(notifications)
    expected = [(n.id, e) for n in notifications for e in translate(app.mapper.to_domain_event(n), wanted)
                if e.event_type in wanted]
    assert [(i, e.event_type, e.event_id) for i, e in got] == [(i, e.event_type, e.event_id) for i, e in expected]
    assert reader.light == 6 and reader.long_way == 1  # 2 openings + 4 readings; the status change


def test_a_type_without_a_light_decoder_goes_the_long_way(app: MonitorApplication) -> None:
    """A reading's breach has no light decoder: asked for, every reading goes through translate.
    Break: `LightTopic.covers` always true -> no breach comes out."""
    notifications = _store(app)
    wanted = {"ThresholdBreached"}
    reader = LightReader(app, translate, LIGHT, wanted)
    expected = [(n.id, e) for n in notifications for e in translate(app.mapper.to_domain_event(n), wanted)
                if e.event_type in wanted]
    assert len(expected) == 2 and reader.read(notifications) == expected
    assert reader.light == 0


def test_a_light_rebuild_gives_the_rows_the_live_projector_made(tmp_path: Path) -> None:
    """The lists and the deadlines projected live (through translate), then verified against a
    rebuild that decoded the light way: no row differs. Break: the light reading's overall
    level read from the previous state -> verify lists the differing rows."""
    settings = ServiceSettings(data_dir=tmp_path, internal_token="light-test-token")
    storage = Storage(SERVICE, settings)
    storage.create_tables(metadata)
    app = MonitorApplication(env=storage.eventsourcing_env())
    app.rule_set = default_rule_set()
    _store(app)
    # The lists' names come from the dossier's topic: left out here (no broker in unit tests).
    models = [dataclasses.replace(m, consumed=None) for m in projections.read_models(Deadlines())]
    projector = LocalProjector(app=app, storage=storage, translate=translate,
                               projections=[m.local for m in models if m.local is not None])
    projector.prepare()
    while projector.project_once():
        pass
    catalogue = ServiceReadModels(SERVICE, MonitorApplication, translate, models, light=LIGHT,
                                  configure=lambda monitor: setattr(monitor, "rule_set", default_rule_set()))
    try:
        outcomes = asyncio.run(rebuild(catalogue, None, settings, verify=True, wait_seconds=1))
    finally:
        app.close()
        storage.engine.dispose()
    assert [(o.read_model, o.differences, o.problems) for o in outcomes] == [("lists", [], []), ("deadlines", [], [])]
    assert all(o.light_events == 6 and o.long_way == 1 for o in outcomes)
    assert sum(outcomes[0].rows.values()) > 0
