"""Severity order of levels and when a reading publishes a ThresholdBreached."""

from datetime import UTC, date, datetime

import pytest

from ecovid_monitor.domain.rules import (
    Level,
    ReadingValues,
    colour_reading,
    default_rule_set,
    state_transition_breaches,
    worst_of,
)

N, W, A, U = Level.NORMAL, Level.WATCH, Level.ALERT, Level.UNKNOWN


@pytest.mark.parametrize(
    ("levels", "worst"),
    [([], U), ([U], U), ([U, N], N), ([N, U], N), ([N, W, U], W), ([W, A, N], A), ([A, U], A), ([U, W], W)],
)
def test_worst_of(levels: list[Level], worst: Level) -> None:
    assert worst_of(levels) is worst


READING_AT = {N: ReadingValues(cough=False), W: ReadingValues(cough=True), A: ReadingValues(spo2=90)}


@pytest.mark.parametrize(
    ("previous", "overall", "published"),
    [
        (None, A, True), (N, A, True), (W, A, True), (A, A, True),
        (N, W, True),
        (None, W, False), (W, W, False), (A, W, False),
        (None, N, False), (N, N, False), (W, N, False), (A, N, False),
    ],
)
def test_threshold_breached_on_alert_or_rise_from_normal_to_watch(
    previous: Level | None, overall: Level, published: bool
) -> None:
    taken_at = datetime(2026, 3, 2, tzinfo=UTC)
    colouring = colour_reading(READING_AT[overall], date(1980, 1, 1), taken_at, default_rule_set())
    assert colouring.overall_level is overall
    assert state_transition_breaches(previous, colouring) is published
