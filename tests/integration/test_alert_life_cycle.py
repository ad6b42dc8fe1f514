"""Issue 11's life cycle through the gateway on the shared PostgreSQL stack: a second red reading
updates the open alert, acknowledge and resolve with the 409s naming the state, 403 outside the
circle, 404 for an unknown alert, 422 without a reason; the events on alerting's topic.
(A missed-report alert resolving on the next reading: test_monitoring_overdue.py.)"""

from __future__ import annotations

import uuid

import orjson

from ecovid_events import topics

from ecovid_stack.stack import Stack

from tests.integration.kafka_tools import read_all
from tests.integration.support import ALARMING, PASSWORD, Api, eventually, now_iso


def test_life_cycle_through_the_gateway(pg_stack: Stack, pg_admin: Api, care_team: tuple[Api, str]) -> None:
    """Break: alerting ignores the episode's open alert (always raises) -> two alerts, fails;
    break: `resolve` accepts a resolved alert -> the second resolve is 200, fails."""
    doctor, structure_id = care_team
    patient = doctor.patient("Cyclevie")
    episode = doctor.episode(patient, structure_id)
    first = doctor.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(3), **ALARMING})
    [alert] = eventually(lambda: doctor.alerts(patient))
    second = doctor.ok("POST", f"/care-episodes/{episode}/readings", 201,
                       json={"taken_at": now_iso(1), **ALARMING, "spo2": 86})
    [updated] = eventually(lambda: [a for a in doctor.alerts(patient) if a["occurrences"] == 2])
    assert updated["id"] == alert["id"] and len(doctor.alerts(patient)) == 1
    assert updated["reading_id"] == second["id"] != first["id"]
    assert "spo2=86" in updated["summary"]

    _, outsider_email = pg_admin.professional(structure_id)
    outsider = Api.login(pg_stack.url("gateway"), outsider_email, PASSWORD)
    for action, body in (("acknowledge", None), ("resolve", {"reason": "false_alarm"})):
        refused = outsider.http.post(f"/api/v1/alerts/{alert['id']}/{action}", json=body)
        assert refused.status_code == 403, refused.text
        unknown = doctor.http.post(f"/api/v1/alerts/{uuid.uuid4()}/{action}", json=body)
        assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "alert_id"
    no_reason = doctor.http.post(f"/api/v1/alerts/{alert['id']}/resolve", json={})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"

    assert doctor.ok("POST", f"/alerts/{alert['id']}/acknowledge")["status"] == "acknowledged"
    twice = doctor.http.post(f"/api/v1/alerts/{alert['id']}/acknowledge")
    assert twice.status_code == 409 and twice.json()["detail"] == "cannot acknowledge an alert that is acknowledged"
    resolved = doctor.ok("POST", f"/alerts/{alert['id']}/resolve", json={"reason": "taken_care_of", "note": "called"})
    assert (resolved["status"], resolved["resolution_reason"]) == ("resolved", "taken_care_of")
    again = doctor.http.post(f"/api/v1/alerts/{alert['id']}/resolve", json={"reason": "other"})
    assert again.status_code == 409 and again.json()["detail"] == "cannot resolve an alert that is resolved"
    [listed] = eventually(lambda: [a for a in doctor.alerts(patient) if a["status"] == "resolved"])
    assert (listed["resolved_by"], listed["resolution_note"], listed["acknowledged_by"]) == (
        resolved["resolved_by"], "called", resolved["acknowledged_by"])

    # A red reading after the resolution opens a new alert.
    doctor.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(0), **ALARMING})
    eventually(lambda: len(doctor.alerts(patient)) == 2)

    def life_cycle() -> list[str] | None:
        events = [orjson.loads(r.value) for r in read_all(pg_stack.kafka_bootstrap, topics.ALERTING, idle_ms=500)]
        types = [e["event_type"] for e in events if e.get("patient_id") == patient]
        return types if len(types) == 5 else None
    assert eventually(life_cycle) == [
        "AlertRaised", "AlertUpdated", "AlertAcknowledged", "AlertResolved", "AlertRaised"]
