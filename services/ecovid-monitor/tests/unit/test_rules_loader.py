"""Loading rule sets: the packaged default, and refusal of invalid ones naming the rule at fault."""

import json
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from ecovid_monitor.domain.rules import Level, RuleSet, RuleSetInvalid, default_rule_set, load_rule_set

DEFAULT_TEXT = files("ecovid_monitor.rule_sets").joinpath("ecovid-default-2026.1.yaml").read_text("utf-8")


def default_document() -> dict[str, Any]:
    # Through JSON, so that a YAML alias shared by several bands can be changed in one place.
    document: dict[str, Any] = json.loads(json.dumps(yaml.safe_load(DEFAULT_TEXT)))
    return document


def test_default_rule_set_identity_and_data() -> None:
    rule_set = default_rule_set()
    assert (rule_set.id, rule_set.version) == ("ecovid-default", "2026.1")
    assert rule_set.children.under_age_years == 18
    assert (rule_set.combination_rule.min_age_years, rule_set.combination_rule.alert_at_score) == (16, 5)
    assert [(b.name, b.from_months, b.below_months) for b in rule_set.children.bands] == [
        ("child_0_3m", 0, 3), ("child_3_11m", 3, 12), ("child_12_23m", 12, 24),
        ("child_2_4y", 24, 60), ("child_5_11y", 60, 144), ("child_12_17y", 144, 216),
    ]
    assert {level: d.colour for level, d in rule_set.levels.items()} == {
        Level.NORMAL: "green", Level.WATCH: "orange", Level.ALERT: "red", Level.UNKNOWN: "grey",
    }


def test_rule_set_is_immutable() -> None:
    with pytest.raises(ValidationError):
        default_rule_set().version = "2026.2"  # type: ignore[misc]


def test_loads_from_a_path_a_path_string_text_or_json(tmp_path: Path) -> None:
    file = tmp_path / "rules.yaml"
    file.write_text(DEFAULT_TEXT, "utf-8")
    as_json = json.dumps(default_document())
    loaded = [load_rule_set(file), load_rule_set(str(file)), load_rule_set(DEFAULT_TEXT), load_rule_set(as_json)]
    assert all(rule_set == default_rule_set() for rule_set in loaded)
    assert all(isinstance(rule_set, RuleSet) for rule_set in loaded)


def put(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    """A mutation setting the value at a dotted path (`children.bands.2.from_months`)."""
    *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]

    def mutate(document: dict[str, Any]) -> None:
        target: Any = document
        for part in parents:
            target = target[part]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value
    return mutate


DELETE = object()
NEWS2 = "combination_rule.news2_partial_score"

INVALID = [
    (put("adults.heart_rate.3.min", 90), "adults.heart_rate[3]: overlaps [2]"),
    (put("adults.temperature.2.min", 36.2), "adults.temperature[2]: leaves a gap after [1]"),
    (put("children.bands.2.heart_rate.2.min", 101), "children.bands[2].heart_rate[2]: leaves a gap"),
    (put("children.bands.5.respiratory_rate.1.max", 15), "children.bands[5].respiratory_rate[2]: overlaps [1]"),
    (put("adults.temperature.2.min", 36.15), "adults.temperature[2]: bound 36.15 is not on the table's grid"),
    (put("adults.temperature.0.min", 30.0), "adults.temperature[0]: the first range must be open below"),
    (put("adults.spo2.2", {"min": 95, "max": 100, "level": "normal"}), "adults.spo2[2]: the last range must be open"),
    (put("adults.heart_rate.1.max", 39), "adults.heart_rate[1]: min 41 is above max 39"),
    (put("adults.temperature.2.level", "watch"), "adults.temperature: needs exactly one normal range"),
    (put("adults.spo2.1.level", "amber"), "adults.spo2[1].level: Input should be 'normal'"),
    (put("adults.spo2.1.level", "unknown"), "adults.spo2[1].level: unknown is kept for absent values"),
    (put("answers.dyspnea.rest", "red"), "answers.dyspnea.rest: Input should be"),
    (put("answers.cough", {"true": "watch"}), "answers.cough: no level for ['False']"),
    (put("levels.amber", {"colour": "amber", "meaning": "?"}), "levels.amber[key]: Input should be"),
    (put("levels.unknown", DELETE), "levels: no definition for ['unknown']"),
    (put("children.bands.3.from_months", 25), "children.bands[3]: starts at month 25, expected 24"),
    (put("children.bands.3.from_months", 23), "children.bands[3]: starts at month 23, expected 24"),
    (put("children.bands.2.below_months", 12), "children.bands[2]: below_months must be after from_months"),
    (put("children.bands.0.from_months", 1), "children.bands[0]: starts at month 1, expected 0"),
    (put("children.bands.5.below_months", 204), "children.bands[5]: ends at month 204, expected 216"),
    (put("children.under_age_years", 16), "children.bands[5]: ends at month 216, expected 192"),
    (put("children.bands.4.name", "child_0_3m"), "children.bands[4].name: 'child_0_3m' is already used"),
    (put("adults.spo2", DELETE), "adults.spo2: Field required"),
    (put("children.bands.1.temperature", DELETE), "children.bands[1].temperature: Field required"),
    (put("answers.wishes_to_stay_home", DELETE), "answers.wishes_to_stay_home: Field required"),
    (put("combination_rule.news2_partial_score.spo2.2.min", 95), f"{NEWS2}.spo2[2]: leaves a gap"),
    (put("combination_rule.news2_partial_score.heart_rate", DELETE), f"{NEWS2}.heart_rate: Field required"),
    (put("combination_rule.alert_at_score", 0), "combination_rule.alert_at_score: Input should be greater than 0"),
    (put("version", 2026.1), "version: Input should be a valid string"),
    (put("adults.colour", "blue"), "adults.colour: Extra inputs are not permitted"),
    (put("adults.heart_rate.2.max", DELETE), "adults.heart_rate[3]: only the first range may be open below"),
    (put("adults.spo2", []), "adults.spo2: needs at least one range"),
    (put("answers.chills", {False: "normal", True: "unknown"}), "answers.chills: unknown is kept for absent values"),
]


@pytest.mark.parametrize(("mutate", "problem"), INVALID)
def test_invalid_rule_sets_are_refused_naming_the_rule(
    mutate: Callable[[dict[str, Any]], None], problem: str
) -> None:
    document = default_document()
    mutate(document)
    with pytest.raises(RuleSetInvalid) as refused:
        load_rule_set(yaml.safe_dump(document))
    assert problem in str(refused.value)
    assert any(found.startswith(problem.split(":")[0] + ":") for found in refused.value.problems)


@pytest.mark.parametrize(
    ("text", "problem"),
    [("id: [unclosed", "not valid YAML"), ("- a list", "got list"), ("", "got NoneType"), ("rules", "got str")],
)
def test_text_that_is_not_a_rule_set_is_refused(text: str, problem: str) -> None:
    with pytest.raises(RuleSetInvalid, match=problem):
        load_rule_set(text)


def test_a_missing_file_is_not_mistaken_for_text(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_rule_set(str(tmp_path / "missing.yaml"))
