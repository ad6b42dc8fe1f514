"""At-least-once delivery made exactly-once in effect: crashes, redelivery, poison messages."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from ecovid_events import topics

from ecovid_stack.stack import Stack

from tests.integration.kafka_tools import produce, read_all
from tests.integration.support import ALARMING, Api, eventually, now_iso

READINGS = 1000
PATIENTS = 20


def all_alerts(doctor: Api) -> list[dict]:
    alerts: list[dict] = []
    while True:
        page = doctor.ok("GET", "/alerts", params={"limit": 500, "offset": len(alerts)})
        alerts.extend(page)
        if len(page) < 500:
            return alerts


def test_sigkilled_consumer_loses_nothing_and_applies_nothing_twice(
    pg_stack: Stack, pg_admin: Api, care_team: tuple[Api, str]
) -> None:
    _, structure_id = care_team
    from tests.integration.support import PASSWORD

    _, email = pg_admin.professional(structure_id)
    doctor = Api.login(pg_stack.url("gateway"), email, PASSWORD)
    episodes = [doctor.episode(doctor.patient(f"Crash-{chr(ord('a') + i)}"), structure_id) for i in range(PATIENTS)]
    posted = 0
    lock = threading.Lock()
    killed = threading.Event()

    def post(n: int) -> int:
        nonlocal posted
        taken_at = (datetime.now(UTC) - timedelta(minutes=1, seconds=n)).isoformat()
        client = Api(doctor.base_url)
        client.http.headers.update(doctor.http.headers)
        client.ok("POST", f"/care-episodes/{episodes[n % PATIENTS]}/readings", 201,
                  json={"taken_at": taken_at, **ALARMING})
        with lock:
            posted += 1
            if posted == READINGS // 3 and not killed.is_set():
                killed.set()
                pg_stack.kill("alerting")  # SIGKILL mid-stream
        return n

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert len(list(pool.map(post, range(READINGS)))) == READINGS
    assert killed.is_set()
    pg_stack.restart("alerting")

    # Pages are read newest first while alerts still arrive: a page can then repeat rows of
    # the one before. Wait until one read holds every alert, then read once more, at rest.
    eventually(lambda: len({a["id"] for a in all_alerts(doctor)}) >= READINGS, timeout=120)
    alerts = all_alerts(doctor)
    assert len(alerts) == READINGS
    assert len({a["id"] for a in alerts}) == READINGS
    # The alerts topic may carry re-published copies (same event id), never a second alert.
    # A read that stops at an idle fetch can come short under load: read again until equal.
    patients, expected = {a["patient_id"] for a in alerts}, {a["id"] for a in alerts}

    def alert_ids_on_topic() -> set[str]:
        raised = [json.loads(r.value) for r in read_all(pg_stack.kafka_bootstrap, topics.ALERTING)]
        return {e["payload"]["alert_id"] for e in raised
                if e["event_type"] == "AlertRaised" and e["patient_id"] in patients}

    eventually(lambda: alert_ids_on_topic() == expected, timeout=60)
    parked = read_all(pg_stack.kafka_bootstrap, topics.dead_letter(topics.ECOVID_MONITOR), idle_ms=500)
    failures = [r for r in parked if not dict(r.headers)["dlt.reason"].startswith(b"invalid event")]
    assert failures == []


def test_poison_message_is_dead_lettered_and_the_rest_flows(pg_stack: Stack, care_team: tuple[Api, str]) -> None:
    doctor, structure_id = care_team
    patient = doctor.patient("Poison")
    episode = doctor.episode(patient, structure_id)
    marker = uuid.uuid4().hex
    bad_envelope = json.dumps({"event_type": "ThresholdBreached", "marker": marker}).encode()
    produce(pg_stack.kafka_bootstrap, topics.ECOVID_MONITOR,
            [f"not json {marker}".encode(), bad_envelope], key=patient.encode())
    doctor.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(), **ALARMING})

    assert len(eventually(lambda: doctor.alerts(patient))) == 1

    def dead_letters() -> list:
        records = read_all(pg_stack.kafka_bootstrap, topics.dead_letter(topics.ECOVID_MONITOR), idle_ms=500)
        return [r for r in records if marker.encode() in r.value
                and dict(r.headers)["dlt.consumer"] == b"alerting.alerts"]

    parked = eventually(dead_letters, timeout=30)
    assert len(parked) == 2
    for record in parked:
        headers = {k: v.decode() for k, v in record.headers}
        assert headers["dlt.reason"].startswith("invalid event:")
        assert headers["dlt.topic"] == topics.ECOVID_MONITOR
        assert int(headers["dlt.offset"]) >= 0 and headers["dlt.partition"].isdigit()
    reasons = sorted(dict(r.headers)["dlt.reason"].decode() for r in parked)
    assert any("JSON" in reason or "json" in reason for reason in reasons)
    assert any("event_id" in reason or "payload" in reason for reason in reasons)
