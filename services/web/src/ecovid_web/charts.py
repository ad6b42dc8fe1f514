"""Server-rendered charts of one indicator over time: the points of an SVG polyline, computed
here so that the page needs no script; each point keeps its level (coloured dot plus its value
in a <title>, read by screen readers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

WIDTH, HEIGHT, PAD = 320, 120, 16
CHARTED = ("temperature", "heart_rate", "respiratory_rate", "spo2")


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: Any
    level: str
    taken_at: str


@dataclass(frozen=True)
class Chart:
    indicator: str
    points: list[Point]
    low: float
    high: float

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def _moment(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _number(value: Any) -> float | None:
    """A value of the chart: the API gives a temperature as a decimal string ("40.3")."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def chart(indicator: str, readings: list[dict[str, Any]]) -> Chart:
    """Oldest on the left; the vertical scale spans the values shown (a flat line sits mid-height)."""
    rows = sorted(
        ((r["taken_at"], number, r.get("levels", {}).get(indicator, "none"))
         for r in readings if (number := _number(r.get("values", {}).get(indicator))) is not None),
        key=lambda row: _moment(row[0]),
    )
    if not rows:
        return Chart(indicator, [], 0, 0)
    times = [_moment(t) for t, _, _ in rows]
    values = [v for _, v, _ in rows]
    low, high = min(values), max(values)
    t0, span_t = times[0], (times[-1] - times[0]) or 1.0
    span_v = (high - low) or 1.0
    points = []
    for (taken_at, value, level), moment in zip(rows, times, strict=True):
        x = PAD + (moment - t0) / span_t * (WIDTH - 2 * PAD) if len(rows) > 1 else WIDTH / 2
        y = HEIGHT / 2 if high == low else PAD + (high - value) / span_v * (HEIGHT - 2 * PAD)
        points.append(Point(x, y, int(value) if value.is_integer() else value, level, taken_at))
    return Chart(indicator, points, low, high)


def charts(readings: list[dict[str, Any]]) -> list[Chart]:
    return [chart(name, readings) for name in CHARTED]
