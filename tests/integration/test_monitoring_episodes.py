"""A care episode through the gateway: enrolment, readings by a professional, series, status,
hospitalisation, closing, bad input, and the rule-set dry run."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from tests.integration.support import ALARMING, NORMAL, Api, eventually, now_iso


def test_episode_life(care_team: tuple[Api, str]) -> None:
    doctor, structure_id = care_team
    episode = doctor.episode(doctor.patient("Rivière"), structure_id)
    assert doctor.ok("GET", f"/care-episodes/{episode}")["general_state"] == "none"
    doctor.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(90), **NORMAL})
    doctor.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(30), **ALARMING})
    readings = doctor.ok("GET", f"/care-episodes/{episode}/readings")
    assert [r["source"] for r in readings] == ["professional", "professional"]
    assert all(r["recorded_at"] > r["taken_at"] for r in readings)
    series = doctor.ok("GET", f"/care-episodes/{episode}/readings/series")
    assert [p["level"] for p in series["temperature"]] == ["normal", "alert"]
    assert [p["value"] for p in series["spo2"]] == [98, 90]
    assert "respiratory_rate" in series and len(series["respiratory_rate"]) == 1

    changed = doctor.ok("PATCH", f"/care-episodes/{episode}", json={"status": "tested_negative"})
    assert (changed["status"], changed["general_state"]) == ("tested_negative", "alert")
    assert doctor.ok("POST", f"/care-episodes/{episode}/hospitalisation")["hospitalised"] is True
    assert doctor.ok("POST", f"/care-episodes/{episode}/discharge")["hospitalised"] is False
    closed = doctor.ok("POST", f"/care-episodes/{episode}/close")
    assert closed["open"] is False
    doctor.ok("POST", f"/care-episodes/{episode}/close", 409)
    doctor.ok("PATCH", f"/care-episodes/{episode}", 409, json={"status": "suspected"})
    doctor.ok("POST", f"/care-episodes/{episode}/readings", 409, json={"taken_at": now_iso(), "temperature": 37})


def test_bad_readings(care_team: tuple[Api, str]) -> None:
    doctor, structure_id = care_team
    episode = doctor.episode(doctor.patient("Fontaine"), structure_id)
    before_start = (datetime.now(UTC) - timedelta(days=5)).isoformat()
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    for taken_at in (before_start, future):
        response = doctor.http.post(
            f"/api/v1/care-episodes/{episode}/readings", json={"taken_at": taken_at, "temperature": 37}
        )
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "taken_at"
    for bad, field in (({"spo2": 30}, "spo2"), ({"dyspnea": "often"}, "dyspnea")):
        response = doctor.http.post(f"/api/v1/care-episodes/{episode}/readings", json={"taken_at": now_iso(), **bad})
        assert response.status_code == 422 and field in [e["field"] for e in response.json()["errors"]]
    doctor.ok("PATCH", f"/care-episodes/{episode}", 422, json={"status": "cured"})
    doctor.ok("GET", f"/care-episodes/{uuid.uuid4()}/readings/series", 404)
    assert doctor.ok("GET", f"/care-episodes/{episode}/readings") == []


def test_rule_set_dry_run(care_team: tuple[Api, str], pg_admin: Api) -> None:
    """A heart rate of 125 is watch under the default tables (adults: 91-130 watch, 131+ alert).
    A candidate with alert from 125 turns that reading alert; waiting for it to show proves the
    readings read model has it. A candidate with alert from 126 leaves it watch: it is not listed.
    Break: dry_run reads the readings with the default rule set instead of the candidate -> the
    first wait times out; break: the candidate's alert row read one step too low (min - 1) -> the
    second check lists the reading, fails."""
    doctor, structure_id = care_team
    episode = doctor.episode(doctor.patient("Essai"), structure_id)
    recorded = doctor.ok("POST", f"/care-episodes/{episode}/readings", 201,
                         json={"taken_at": now_iso(), "heart_rate": 125})
    assert recorded["overall_level"] == "watch"
    stricter = eventually(lambda: _with_changes_of(pg_admin, _rule_set(heart_rate_alert_from=125), recorded["id"]))
    assert [(c["before"], c["after"]) for c in stricter["overall_changes"] if c["reading_id"] == recorded["id"]] == [
        ("watch", "alert")]
    assert stricter["patients_overall_changed"] >= 1 and stricter["rule_set_version"] == "2099.1"
    at_the_edge = pg_admin.ok("POST", "/rule-sets/dry-run", json={"rule_set": _rule_set(heart_rate_alert_from=126)})
    assert recorded["id"] not in [c["reading_id"] for c in at_the_edge["overall_changes"]]
    doctor.ok("POST", "/rule-sets/dry-run", 403, json={"rule_set": "x"})
    refused = pg_admin.http.post("/api/v1/rule-sets/dry-run", json={"rule_set": "id: broken\nversion: 1\n"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "rule_set"


def _with_changes_of(admin: Api, rule_set: str, reading_id: str) -> dict | None:
    report = admin.ok("POST", "/rule-sets/dry-run", json={"rule_set": rule_set})
    return report if reading_id in [c["reading_id"] for c in report["overall_changes"]] else None


DEFAULT_RULE_SET = (Path(__file__).parents[2] / "services" / "ecovid-monitor" / "src" / "ecovid_monitor"
                    / "rule_sets" / "ecovid-default-2026.1.yaml")


def _rule_set(heart_rate_alert_from: int) -> str:
    document = yaml.safe_load(DEFAULT_RULE_SET.read_text("utf-8"))
    document["version"] = "2099.1"
    document["adults"]["heart_rate"][3]["max"] = heart_rate_alert_from - 1
    document["adults"]["heart_rate"][4]["min"] = heart_rate_alert_from
    return yaml.safe_dump(document)
