"""Health of every service, and one correlation id followed across services and Kafka."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx

from ecovid_stack.ports import SERVICES
from ecovid_stack.stack import Stack

from tests.integration.support import ALARMING, Api, eventually, now_iso


def test_every_service_reports_database_and_broker(pg_stack: Stack) -> None:
    for service in SERVICES:
        response = httpx.get(f"{pg_stack.url(service)}/health")
        assert response.status_code == 200, (service, response.text)
        # The gateway is ready only when every service behind it is: it names them too.
        behind = {other: "ok" for other in SERVICES if other != "gateway"} if service == "gateway" else {}
        assert response.json()["checks"] == {"database": "ok", "broker": "ok", "consumers": "ok", **behind}, service


def test_internal_apis_refuse_callers_without_the_internal_token(pg_stack: Stack) -> None:
    response = httpx.post(f"{pg_stack.url('ecovid-monitor')}/episodes", json={})
    assert response.status_code == 401


def test_correlation_id_follows_a_reading_to_its_alert(pg_stack: Stack, care_team: tuple[Api, str]) -> None:
    doctor, structure_id = care_team
    patient = doctor.patient("Correlation")
    episode = doctor.episode(patient, structure_id)
    correlation_id = f"it-{uuid.uuid4()}"
    response = doctor.http.post(f"/api/v1/care-episodes/{episode}/readings",
                                json={"taken_at": now_iso(), **ALARMING},
                                headers={"X-Correlation-ID": correlation_id})
    assert response.status_code == 201
    assert response.headers["X-Correlation-ID"] == correlation_id
    eventually(lambda: doctor.alerts(patient))
    log_dir = pg_stack.config.log_dir
    assert log_dir is not None

    def services_logging_it() -> set[str]:
        return {line["service"] for line in _json_lines(log_dir) if line.get("correlation_id") == correlation_id}

    assert eventually(
        lambda: {"gateway", "ecovid-monitor", "alerting"} <= services_logging_it() and services_logging_it()
    )


def _json_lines(log_dir: Path) -> list[dict]:
    lines = []
    for log in log_dir.glob("*.log"):
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
    return lines
