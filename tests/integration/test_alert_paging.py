"""Keyset paging of the alert list (`before=`, issue 11) on the shared PostgreSQL stack: walks
from the top to the bottom of the list while 500 alerts arrive through the real broker, each
walk compared at rest with the list it walked."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

from ecovid_events import topics
from ecovid_events.ecovid import Breach, RuleSetRef, ThresholdBreached, ThresholdBreachedPayload

from ecovid_stack.stack import Stack

from tests.integration.kafka_tools import produce
from tests.integration.support import ALARMING, Api, eventually, now_iso

ARRIVING = 500


def breaches(patient: str, count: int) -> list[bytes]:
    """Red breaches of `count` episodes of one patient, as ecovid-monitor publishes them: each
    episode's first, so each raises an alert."""
    now = datetime.now(UTC)
    return [ThresholdBreached(
        event_id=uuid.uuid4(), occurred_at=now, producer="ecovid-monitor", patient_id=uuid.UUID(patient),
        correlation_id=f"paging-{n}", actor={"kind": "platform"},
        payload=ThresholdBreachedPayload(
            reading_id=uuid.uuid4(), episode_id=uuid.uuid4(), taken_at=now, overall_level="alert",
            breaches=[Breach(indicator="spo2", value=85, level="alert", lower=95)],
            rule_set=RuleSetRef(id="ecovid-default", version="2026.1"), age_band="adult",
        ),
    ).to_bytes() for n in range(count)]


def walk(doctor: Api, params: dict[str, str]) -> list[str]:
    """Top to bottom, 40 a page, each page after the cursor the previous one gave."""
    ids: list[str] = []
    before = None
    while True:
        response = doctor.http.get("/api/v1/alerts", params={**params, "limit": 40,
                                                               **({"before": before} if before else {})})
        assert response.status_code == 200, response.text
        ids.extend(a["id"] for a in response.json())
        before = response.headers.get("x-next-before")
        if before is None:
            return ids


def test_keyset_pages_never_repeat_nor_skip_while_500_alerts_arrive(
    pg_stack: Stack, care_team: tuple[Api, str],
) -> None:
    """Break (shown on the unit test of the same code, test_alert_paging.py in alerting's unit tests):
    `seq <= cursor` instead of `<` in list_alerts -> every page boundary row repeats, fails."""
    doctor, structure_id = care_team
    patient = doctor.patient("Pagination")
    episode = doctor.episode(patient, structure_id)
    doctor.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(), **ALARMING})
    # The caller's own list (recipients) has it: the circle reached alerting before the breaches.
    mine = {"patient_id": patient}
    eventually(lambda: [a for a in doctor.ok("GET", "/alerts", params={"kind": "threshold"})
                        if a["patient_id"] == patient])

    arriving = threading.Thread(target=produce, args=(pg_stack.kafka_bootstrap, topics.ECOVID_MONITOR,
                                                      breaches(patient, ARRIVING), patient.encode()))
    arriving.start()
    walks = []
    try:
        while arriving.is_alive() or not walks:
            walks.append(walk(doctor, mine))
    finally:
        arriving.join()
    at_rest = eventually(lambda: (ids := walk(doctor, mine)) and len(ids) == ARRIVING + 1 and ids, timeout=120)
    assert len(set(at_rest)) == len(at_rest)
    grew = [len(w) for w in walks]
    assert len(set(grew)) > 1, f"every walk saw the same list: nothing arrived while paging ({grew})"
    for seen in walks:
        start = at_rest.index(seen[0])
        assert seen == at_rest[start:], "a walk repeated or skipped a row"
    # Filters compose with the cursor: the caller's unread threshold alerts of this patient.
    unread = walk(doctor, {**mine, "unread": "true", "kind": "threshold", "level": "alert"})
    assert unread == at_rest
