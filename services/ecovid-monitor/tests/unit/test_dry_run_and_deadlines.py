"""The rule-set dry run over the readings read model, the reporting deadlines, a bad rule-set file."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session

from ecovid_events.ecovid import CareStatusChanged, CareStatusChangedPayload

from ecovid_monitor.bootstrap import rule_set_of
from ecovid_monitor.domain.rules import default_rule_set, load_rule_set
from ecovid_monitor.dry_run import dry_run
from ecovid_monitor.read_models import projections
from ecovid_monitor.read_models.deadlines import Deadlines, due_episodes
from ecovid_monitor.read_models.tables import metadata, readings
from ecovid_monitor.settings import MonitorSettings

from events_for_tests import ENVELOPE, opened, reading, recorded_as, registered

BORN = date(1970, 1, 1)
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
DEFAULT_TEXT = yaml.safe_dump(default_rule_set().model_dump(mode="json"))


@pytest.fixture
def session() -> Session:
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    with Session(engine) as s:
        yield s


def stricter_heart_rate() -> str:
    document = default_rule_set().model_dump(mode="json")
    document["version"] = "2026.2"
    document["adults"]["heart_rate"][3]["max"] = 120
    document["adults"]["heart_rate"][4]["min"] = 121
    return yaml.safe_dump(document)


# Adult heart rate in the published default tables: 51-90 normal, 91-130 watch (stated by hand here,
# so that the dry run under the default rule set is compared with the tables, not with the code).
RECORDED_LEVEL = {125: "watch", 80: "normal", 70: "normal", 126: "watch"}


def test_dry_run_counts_what_would_change_and_changes_nothing(session: Session) -> None:
    """Break: adult heart rate 91-130 coloured normal by colour_reading -> the default-rule-set line fails."""
    for heart_rates in ([125, 80], [70], [126]):
        patient = uuid.uuid4()
        projections.patient_identity(session, registered(patient, "Durand", "Lou", BORN))
        episode = opened(patient, uuid.uuid4())
        projections.episode_opened(session, episode)
        for hr in heart_rates:
            level = RECORDED_LEVEL[hr]
            projections.reading_recorded(session, recorded_as(episode, NOW, {"heart_rate": level}, level,
                                                              heart_rate=hr))
    report = dry_run(session, load_rule_set(stricter_heart_rate()))
    assert (report["readings_evaluated"], report["patients_evaluated"]) == (4, 3)
    assert (report["readings_overall_changed"], report["patients_overall_changed"]) == (2, 2)
    assert {(c["before"], c["after"]) for c in report["overall_changes"]} == {("watch", "alert")}
    assert report["rule_set_version"] == "2026.2"
    assert session.scalar(sa.select(sa.func.count()).select_from(readings)) == 4
    assert dry_run(session, default_rule_set())["readings_overall_changed"] == 0


def test_deadline_moves_with_readings_and_pauses_in_hospital(session: Session) -> None:
    deadlines = Deadlines(override_seconds=None)
    episode = opened(uuid.uuid4(), uuid.uuid4(), at=NOW)
    deadlines.episode_opened(session, episode)
    assert due_episodes(session, NOW + timedelta(hours=11)) == []
    assert due_episodes(session, NOW + timedelta(hours=12)) == [episode.payload.episode_id]
    deadlines.reading_recorded(session, reading(episode, NOW + timedelta(hours=6), BORN, temperature=37))
    assert due_episodes(session, NOW + timedelta(hours=12)) == []
    change = {"episode_id": episode.payload.episode_id, "status": "tested_positive"}
    deadlines.status_changed(session, CareStatusChanged(
        event_id=uuid.uuid4(), occurred_at=NOW, patient_id=episode.patient_id, **ENVELOPE,
        payload=CareStatusChangedPayload(**change, hospitalised=True)))
    deadlines.reading_recorded(session, reading(episode, NOW + timedelta(hours=7), BORN, temperature=37))
    assert due_episodes(session, NOW + timedelta(days=9)) == []
    deadlines.status_changed(session, CareStatusChanged(
        event_id=uuid.uuid4(), occurred_at=NOW + timedelta(days=2), patient_id=episode.patient_id, **ENVELOPE,
        payload=CareStatusChangedPayload(**change, hospitalised=False)))
    assert due_episodes(session, NOW + timedelta(days=2, hours=12)) == [episode.payload.episode_id]
    # A follow-up status change at home neither moves nor re-arms the deadline.
    deadlines.status_changed(session, CareStatusChanged(
        event_id=uuid.uuid4(), occurred_at=NOW + timedelta(days=2, hours=6), patient_id=episode.patient_id,
        **ENVELOPE, payload=CareStatusChangedPayload(**change, hospitalised=False)))
    assert due_episodes(session, NOW + timedelta(days=2, hours=12)) == [episode.payload.episode_id]


def test_reporting_interval_override(session: Session) -> None:
    episode = opened(uuid.uuid4(), uuid.uuid4(), at=NOW)
    Deadlines(override_seconds=3).episode_opened(session, episode)
    assert due_episodes(session, NOW + timedelta(seconds=3)) == [episode.payload.episode_id]


def test_an_invalid_rule_set_file_stops_the_service_naming_the_rule(tmp_path: Path) -> None:
    document = default_rule_set().model_dump(mode="json")
    document["children"]["bands"][2]["from_months"] = 13
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(document))
    with pytest.raises(SystemExit, match=r"ECOVID_RULE_SET_FILE=.*bad.yaml: .*children.bands\[2\]"):
        rule_set_of(MonitorSettings(rule_set_file=bad))
    good = tmp_path / "good.yaml"
    good.write_text(DEFAULT_TEXT)
    assert rule_set_of(MonitorSettings(rule_set_file=good)).id == default_rule_set().id
