"""Loading a rule set from YAML (or JSON) text or a file, and the packaged default."""

import os
from functools import cache
from importlib.resources import files
from pathlib import Path

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .rule_set import RuleSet
from .scales import RuleError

DEFAULT_RULE_SET = "ecovid-default-2026.1.yaml"
_FILE_SUFFIXES = (".yaml", ".yml", ".json")


def load_rule_set(path_or_text: str | os.PathLike[str]) -> RuleSet:
    """Validate a rule set from a path, or from text; a one-line string ending in .yaml, .yml or .json is a path."""
    try:
        document = yaml.safe_load(_text_of(path_or_text))
    except yaml.YAMLError as error:
        raise RuleSetInvalid([f"not valid YAML: {error}"]) from error
    if not isinstance(document, dict):
        raise RuleSetInvalid([f"a rule set is a mapping, got {type(document).__name__}"])
    try:
        return RuleSet.model_validate(document)
    except ValidationError as error:
        raise RuleSetInvalid([_describe(detail) for detail in error.errors()]) from error


@cache
def default_rule_set() -> RuleSet:
    """The rule set shipped with the service (package data `ecovid_monitor.rule_sets`)."""
    return load_rule_set(files("ecovid_monitor.rule_sets").joinpath(DEFAULT_RULE_SET).read_text("utf-8"))


def _text_of(path_or_text: str | os.PathLike[str]) -> str:
    if isinstance(path_or_text, os.PathLike):
        return Path(path_or_text).read_text("utf-8")
    if "\n" not in path_or_text and path_or_text.endswith(_FILE_SUFFIXES):
        return Path(path_or_text).read_text("utf-8")
    return path_or_text


def _describe(detail: ErrorDetails) -> str:
    """`children.bands[2].heart_rate[1]: message`, the path of the rule at fault first."""
    cause = detail.get("ctx", {}).get("error")
    below = (cause.where,) if isinstance(cause, RuleError) and cause.where else ()
    message = str(cause) if isinstance(cause, ValueError) else detail["msg"]
    return f"{_path((*detail['loc'], *below)) or 'rule set'}: {message}"


def _path(loc: tuple[int | str, ...]) -> str:
    dotted = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
    return dotted.replace(".[", "[").lstrip(".")


class RuleSetInvalid(ValueError):
    """The rule set was refused; `problems` lists each offending rule with its path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid rule set: " + "; ".join(problems))
        self.problems = problems
