"""The live feed of alerts (SSE, issue 11) through the gateway on the shared PostgreSQL stack:
a new alert arrives on an open stream with its `id:`, and a client reconnecting with
`Last-Event-ID` gets every change made while it was away, none twice."""

from __future__ import annotations

import json
import queue
import threading
from typing import Any

import httpx

from ecovid_stack.stack import Stack

from tests.integration.support import ALARMING, Api, eventually, now_iso


def listen(doctor: Api, found: queue.Queue[dict[str, Any]], stop: threading.Event,
           last_event_id: str | None = None) -> None:
    """Reads the stream, putting each event (id, event, data) on `found`, until `stop`."""
    headers = dict(doctor.http.headers)
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    with httpx.stream("GET", f"{doctor.base_url}/api/v1/alerts/stream", headers=headers,
                      timeout=httpx.Timeout(60, read=60)) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        event: dict[str, Any] = {}
        for line in response.iter_lines():
            if stop.is_set():
                return
            if line == "" and "data" in event:
                found.put(event)
                event = {}
            elif line.startswith(("id: ", "event: ", "data: ")):
                name, _, value = line.partition(": ")
                event[name] = json.loads(value) if name == "data" else value


def until(found: queue.Queue[dict[str, Any]], wanted: Any, timeout: float = 60) -> list[dict[str, Any]]:
    """Events read until `wanted(events)` holds."""
    events: list[dict[str, Any]] = []
    while not wanted(events):
        events.append(found.get(timeout=timeout))
    return events


def test_a_new_alert_on_the_stream_and_a_resume_without_gap(pg_stack: Stack, care_team: tuple[Api, str]) -> None:
    """Break: `feed` reads `seq >= after` -> the resumed stream repeats the last event seen, fails;
    break: the gateway ignores Last-Event-ID (starts at the feed's end) -> the changes made while
    away never come, the wait times out."""
    doctor, structure_id = care_team
    patient = doctor.patient("Flux")
    episode = doctor.episode(patient, structure_id)
    found: queue.Queue[dict[str, Any]] = queue.Queue()
    stop = threading.Event()
    threading.Thread(target=listen, args=(doctor, found, stop), daemon=True).start()
    # The stream starts "now": wait until it answers before the reading that must show on it.
    eventually(lambda: doctor.http.get("/api/v1/alerts", params={"limit": 1}).status_code == 200)
    doctor.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(3), **ALARMING})
    mine = until(found, lambda es: any(e["data"]["patient_id"] == patient for e in es))
    [raised] = [e for e in mine if e["data"]["patient_id"] == patient]
    assert raised["event"] == "AlertRaised" and raised["id"].isdigit()
    alert_id = raised["data"]["payload"]["alert_id"]
    stop.set()

    # Away: the alert is updated, acknowledged and resolved.
    doctor.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(1), **ALARMING})
    eventually(lambda: doctor.alerts(patient)[0]["occurrences"] == 2)
    doctor.ok("POST", f"/alerts/{alert_id}/acknowledge")
    doctor.ok("POST", f"/alerts/{alert_id}/resolve", json={"reason": "taken_care_of"})
    eventually(lambda: doctor.alerts(patient)[0]["status"] == "resolved")

    again: queue.Queue[dict[str, Any]] = queue.Queue()
    threading.Thread(target=listen, args=(doctor, again, threading.Event(), raised["id"]), daemon=True).start()
    resumed = until(again, lambda es: any(e["event"] == "AlertResolved" and e["data"]["patient_id"] == patient
                                         for e in es))
    of_alert = [e for e in resumed if e["data"]["payload"]["alert_id"] == alert_id]
    assert [e["event"] for e in of_alert] == ["AlertUpdated", "AlertAcknowledged", "AlertResolved"]
    ids = [int(e["id"]) for e in resumed]
    assert ids == sorted(set(ids)) and ids[0] > int(raised["id"])
