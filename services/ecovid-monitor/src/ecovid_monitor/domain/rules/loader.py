"""Loading a rule set from YAML (or JSON) text or a file, and the packaged default."""

import os
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .rule_set import RuleSet
from .scales import RuleError

DEFAULT_RULE_SET = "ecovid-default-2026.1.yaml"
_FILE_SUFFIXES = (".yaml", ".yml", ".json")

# Bounds of a rule set's text, checked before anything is built from it, so that a
# candidate costs the same small work however it is written. The default rule set is
# 8 KiB, 6 levels deep, about 850 nodes, without anchors.
MAX_RULE_SET_CHARS = 64 * 1024
MAX_RULE_SET_DEPTH = 12
MAX_RULE_SET_NODES = 10_000
# libyaml's event parser when present (C, iterative); PyYAML's own is iterative too.
_EventLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_rule_set(path_or_text: str | os.PathLike[str]) -> RuleSet:
    """Validate a rule set from a path, or from text; a one-line string ending in .yaml, .yml or .json is a path."""
    text = _text_of(path_or_text)
    try:
        _check_bounds(text)
        document = yaml.safe_load(text)
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


def _check_bounds(text: str) -> None:
    """Size, depth and node count, aliases counted as what they stand for.

    PyYAML builds the document recursively (a deep one overflowed the stack: a 500), and
    aliases let a few lines stand for billions of nodes. Read here as a stream of events,
    which costs no recursion and stops at the first breach.
    """
    if len(text) > MAX_RULE_SET_CHARS:
        raise RuleSetInvalid([f"longer than {MAX_RULE_SET_CHARS} characters"])
    anchored: dict[str, tuple[int, int]] = {}  # anchor -> (nodes it stands for, its depth)
    open_collections: list[list[Any]] = []  # [anchor, nodes before it, its depth, deepest within]
    nodes = depth = 0
    for event in yaml.parse(text, Loader=_EventLoader):
        if isinstance(event, yaml.AliasEvent):
            size, below = anchored.get(event.anchor or "", (1, 0))
            nodes, reach = nodes + size, depth + below
        elif isinstance(event, yaml.CollectionStartEvent):
            nodes, depth = nodes + 1, depth + 1
            open_collections.append([event.anchor, nodes - 1, depth, depth])
            reach = depth
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, before, level, deepest = open_collections.pop()
            if anchor:
                anchored[anchor] = (nodes - before, deepest - level + 1)
            depth -= 1
            continue
        elif isinstance(event, yaml.ScalarEvent):
            nodes, reach = nodes + 1, depth  # an alias of a scalar counts as one, the default above
        else:
            continue
        for collection in open_collections:
            collection[3] = max(collection[3], reach)
        if nodes > MAX_RULE_SET_NODES:
            raise RuleSetInvalid([f"more than {MAX_RULE_SET_NODES} values (aliases counted as what they repeat)"])
        if reach > MAX_RULE_SET_DEPTH:
            raise RuleSetInvalid([f"nested deeper than {MAX_RULE_SET_DEPTH} levels"])


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
