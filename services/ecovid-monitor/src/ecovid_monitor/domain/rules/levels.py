"""Colour levels of a reading (niveaux: vert, orange, rouge, gris) and their severity order."""

from collections.abc import Iterable
from enum import StrEnum


class Level(StrEnum):
    NORMAL = "normal"
    WATCH = "watch"
    ALERT = "alert"
    UNKNOWN = "unknown"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


# unknown ranks lowest so that a missing value never hides a known one.
_SEVERITY = {Level.UNKNOWN: 0, Level.NORMAL: 1, Level.WATCH: 2, Level.ALERT: 3}

OUT_OF_RANGE = frozenset({Level.WATCH, Level.ALERT})


def worst_of(levels: Iterable[Level]) -> Level:
    """The most severe level; `unknown` when there is none to compare."""
    return max(levels, key=lambda level: level.severity, default=Level.UNKNOWN)
