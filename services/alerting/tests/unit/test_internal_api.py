"""Alerting's internal API (the gateway's only way in): the list, one alert, acknowledging it,
the internal token; and the service as `build()` wires it, on SQLite."""

from __future__ import annotations

import uuid
from pathlib import Path

from alerting_events import breach
from fastapi.testclient import TestClient

from ecovid_events.alerting import AlertRaised
from ecovid_events.ecovid import Breach
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage

from alerting import read_models
from alerting.application import AlertingApplication
from alerting.bootstrap import build
from alerting.integration import translate


def raised(app: AlertingApplication, storage: Storage) -> uuid.UUID:
    cause = breach("alert", [Breach(indicator="spo2", value=88, level="alert")])
    alert, episode = app.alerts_for_breach(cause)
    app.save(alert, episode)
    with storage.transaction() as session:
        for n in app.notification_log.select(1, 10):
            for event in translate(app.mapper.to_domain_event(n)):
                if isinstance(event, AlertRaised) and event.payload.alert_id == alert.id:
                    read_models.alert_raised(session, event)
    return alert.id


def test_list_read_and_acknowledge(client: TestClient, app: AlertingApplication, storage: Storage) -> None:
    """Break: acknowledge route answers before saving (app.save left out) -> the second POST is 200, fails."""
    alert_id = raised(app, storage)
    listed = client.get("/alerts", params={"status": "raised"})
    assert listed.status_code == 200 and [a["id"] for a in listed.json()] == [str(alert_id)]
    one = client.get(f"/alerts/{alert_id}").json()
    assert one["status"] == "raised" and one["id"] == str(alert_id)
    done = client.post(f"/alerts/{alert_id}/acknowledge")
    assert done.status_code == 200
    assert done.json()["status"] == "acknowledged" and done.json()["acknowledged_by"] == "pro-7"
    again = client.post(f"/alerts/{alert_id}/acknowledge")
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "alert_id"
    assert client.get(f"/alerts/{alert_id}").json()["status"] == "acknowledged"


def test_resolve_with_a_reason_then_409_naming_the_state(
    client: TestClient, app: AlertingApplication, storage: Storage
) -> None:
    """Break: `reason` given a default in Resolution -> the bare POST resolves (200), fails."""
    alert_id = raised(app, storage)
    bare = client.post(f"/alerts/{alert_id}/resolve", json={})
    assert bare.status_code == 422 and bare.json()["errors"][0]["field"] == "reason"
    platform_only = client.post(f"/alerts/{alert_id}/resolve", json={"reason": "reading_received"})
    assert platform_only.status_code == 422
    done = client.post(f"/alerts/{alert_id}/resolve", json={"reason": "false_alarm", "note": "cuff slipped"})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["resolution_reason"]) == ("resolved", "false_alarm")
    again = client.post(f"/alerts/{alert_id}/acknowledge")
    assert again.status_code == 409 and "resolved" in again.json()["detail"]
    unknown = client.post(f"/alerts/{uuid.uuid4()}/resolve", json={"reason": "other"})
    assert unknown.status_code == 404


def test_refusals_name_the_field(client: TestClient) -> None:
    missing = client.get(f"/alerts/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "alert_id"
    bad_status = client.get("/alerts", params={"status": "forgotten"})
    assert bad_status.status_code == 422 and bad_status.json()["errors"][0]["field"] == "status"
    too_many = client.get("/alerts", params={"limit": 501})
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "limit"
    assert "Traceback" not in missing.text + bad_status.text


def test_nothing_without_the_internal_token(client: TestClient) -> None:
    """Break: the internal-token guard left out of the wiring -> 200, fails."""
    for token in (None, "not-the-token"):
        headers = {"X-Internal-Token": token} if token else {}
        bare = TestClient(client.app, headers=headers)
        assert bare.get("/alerts").status_code == 401
        assert bare.post(f"/alerts/{uuid.uuid4()}/acknowledge").status_code == 401


def test_the_service_as_built_answers_its_internal_api(tmp_path: Path) -> None:
    """`build()` on SQLite: tables made, routes mounted, token enforced (the broker is only used once started)."""
    settings = ServiceSettings(data_dir=tmp_path, internal_token="built-token")
    process = build(settings)
    with TestClient(process.http) as client:
        assert client.get("/alerts").status_code == 401
        answer = client.get("/alerts", headers={"X-Internal-Token": "built-token"})
        assert answer.status_code == 200 and answer.json() == []


def test_the_list_is_paged_within_bounds(client: TestClient) -> None:
    """Break: `offset: Offset` back to `Query(ge=0)` -> fails (the offset reaches the database)."""
    for params in ({"offset": 2**63}, {"offset": 1_000_001}, {"limit": 0}, {"limit": 501}):
        response = client.get("/alerts", params=params)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] in params, response.text
