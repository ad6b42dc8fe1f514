"""Dry-run re-evaluation of past readings under a candidate rule set."""

from datetime import UTC, date, datetime
from importlib.resources import files

import yaml

from ecovid_monitor.domain.rules import (
    Level,
    OverallChange,
    PastReading,
    ReadingValues,
    RuleSet,
    default_rule_set,
    load_rule_set,
    reevaluate,
)

DEFAULT_FILE = files("ecovid_monitor.rule_sets").joinpath("ecovid-default-2026.1.yaml")

TAKEN_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ADULT, CHILD = date(1980, 5, 17), date(2016, 1, 1)
W, A = Level.WATCH, Level.ALERT


def stricter_adult_heart_rate() -> RuleSet:
    """Version 2026.2: adult heart rate is alert from 121 instead of 131."""
    document = yaml.safe_load(DEFAULT_FILE.read_text("utf-8"))
    document["version"] = "2026.2"
    document["adults"]["heart_rate"][3]["max"] = 120
    document["adults"]["heart_rate"][4]["min"] = 121
    return load_rule_set(yaml.safe_dump(document))


def recorded(patient: str, reading: str, born: date, overall: Level, before: dict[str, Level],
             **values: object) -> PastReading:
    """A past reading with the levels written here by hand from the default tables (2026.1), not
    computed by the code under test: the adult heart-rate rows are 51-90 normal, 91-130 watch,
    131+ alert; spo2 92 or less is alert; a child of 10 (5-11 y band) is watch at 121-139."""
    return PastReading(patient_id=patient, reading_id=reading, values=ReadingValues(**values), birth_date=born,
                       taken_at=TAKEN_AT, overall_before=overall, levels_before=before)


HISTORY = [
    recorded("p1", "r1", ADULT, W, {"heart_rate": W}, heart_rate=125),                # watch -> alert
    recorded("p1", "r2", ADULT, W, {"heart_rate": W}, heart_rate=100),                # watch either way
    recorded("p2", "r3", ADULT, W, {"heart_rate": W}, heart_rate=121),                # watch -> alert
    recorded("p2", "r4", ADULT, A, {"heart_rate": W, "spo2": A}, heart_rate=125, spo2=90),  # overall already alert
    recorded("p3", "r5", CHILD, W, {"heart_rate": W}, heart_rate=125),                # child tables untouched
    recorded("p4", "r6", ADULT, W, {"heart_rate": W}, heart_rate=120),                # still watch at the new edge
    recorded("p5", "r7", ADULT, A, {"heart_rate": A}, heart_rate=131),                # alert either way
    recorded("p1", "r8", ADULT, W, {"heart_rate": W}, heart_rate=122),                # watch -> alert, r1's patient
]


def test_candidate_changes_exactly_the_expected_readings_and_patients() -> None:
    report = reevaluate(iter(HISTORY), stricter_adult_heart_rate())
    assert (report.rule_set_id, report.rule_set_version) == ("ecovid-default", "2026.2")
    assert (report.readings_evaluated, report.patients_evaluated) == (8, 5)
    assert (report.readings_overall_changed, report.patients_overall_changed) == (3, 2)
    assert report.readings_indicator_changed == 4
    assert report.overall_changes == [OverallChange("r1", W, A), OverallChange("r3", W, A), OverallChange("r8", W, A)]


def test_the_default_rule_set_agrees_with_the_hand_written_levels() -> None:
    """The recorded levels above come from the published tables, not from the code, so re-evaluating
    under the default rule set must find nothing to change.
    Break: adult heart rate watch row 91-130 read as normal in colour_reading -> fails."""
    report = reevaluate(HISTORY, default_rule_set())
    assert (report.readings_overall_changed, report.patients_overall_changed) == (0, 0)
    assert (report.readings_indicator_changed, report.overall_changes) == (0, [])


def test_indicators_missing_from_the_record_count_as_unknown() -> None:
    past = HISTORY[1].model_copy(update={"levels_before": {"heart_rate": W}})
    assert reevaluate([past], default_rule_set()).readings_indicator_changed == 0
    changed = HISTORY[1].model_copy(update={"levels_before": {"heart_rate": W, "cough": Level.NORMAL}})
    assert reevaluate([changed], default_rule_set()).readings_indicator_changed == 1


def test_nothing_to_reevaluate() -> None:
    report = reevaluate([], stricter_adult_heart_rate())
    assert (report.readings_evaluated, report.patients_evaluated, report.overall_changes) == (0, 0, [])
