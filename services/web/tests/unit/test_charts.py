from __future__ import annotations

from ecovid_web.charts import HEIGHT, PAD, WIDTH, chart


def test_points_run_oldest_to_newest_and_span_the_values() -> None:
    readings = [
        {"taken_at": "2026-12-01T10:00:00+00:00", "values": {"spo2": 90}, "levels": {"spo2": "alert"}},
        {"taken_at": "2026-12-01T08:00:00+00:00", "values": {"spo2": 98}, "levels": {"spo2": "normal"}},
        {"taken_at": "2026-12-01T09:00:00+00:00", "values": {"temperature": 38.0}, "levels": {}},
    ]
    drawn = chart("spo2", readings)
    assert [p.value for p in drawn.points] == [98, 90] and [p.level for p in drawn.points] == ["normal", "alert"]
    assert drawn.points[0].x == PAD and drawn.points[1].x == WIDTH - PAD
    assert drawn.points[0].y == PAD and drawn.points[1].y == HEIGHT - PAD  # the highest value on top
    assert chart("heart_rate", readings).points == []


def test_a_decimal_given_as_a_string_is_charted_and_a_yes_no_answer_is_not() -> None:
    readings = [{"taken_at": "2026-12-01T10:00:00Z", "values": {"temperature": "40.3", "cough": True},
                 "levels": {"temperature": "alert"}}]
    assert [p.value for p in chart("temperature", readings).points] == [40.3]
    assert chart("cough", readings).points == []
