"""Use cases of the record through the dossier's internal API, on SQLite, without a broker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage
from ecovid_platform.wiring import Wiring

from dossier import SERVICE, read_models
from dossier.application import DossierApplication
from dossier.entrypoints import http, overview, records

HELOISE = {"last_name": "D'Arc-Dupont", "first_name": "Héloïse", "birth_date": "1950-03-02",
           "sex": "female", "commune": "Paris"}


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = ServiceSettings(data_dir=tmp_path)
    storage = Storage(SERVICE, settings)
    storage.create_tables(read_models.metadata)
    app = DossierApplication(env=storage.eventsourcing_env())
    wiring = Wiring(SERVICE, settings, storage, app, broker=None)  # type: ignore[arg-type]
    api = wiring.http([http.router(app, storage), records.router(app), overview.router(app, storage, settings)])
    test = TestClient(api)
    test.headers.update({"X-Internal-Token": settings.internal_token.get_secret_value(),
                         "X-Actor-Kind": "professional", "X-Actor-Id": "pro-1"})
    return test


def ok(client: TestClient, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
    response = client.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    return response.json()


def test_a_duplicate_is_refused_with_the_existing_id(client: TestClient) -> None:
    first = ok(client, "POST", "/patients", 201, json=HELOISE)["id"]
    same = {**HELOISE, "last_name": "d'arc dupont", "first_name": "HELOISE Marie"}
    refused = ok(client, "POST", "/patients", 409, json=same)
    assert refused["existing_id"] == first and refused["match"] == "names"
    homonym = ok(client, "POST", "/patients", 201, json=same, params={"confirm_homonym": "true"})["id"]
    assert homonym != first


def test_the_same_ins_is_refused_even_for_a_homonym(client: TestClient) -> None:
    ins = "255081416802538"
    first = ok(client, "POST", "/patients", 201, json={**HELOISE, "ins": ins})["id"]
    other = {**HELOISE, "first_name": "Jeanne", "ins": ins}
    refused = ok(client, "POST", "/patients", 409, json=other, params={"confirm_homonym": "true"})
    assert refused == {**refused, "existing_id": first, "match": "ins"}


def test_an_identity_correction_moves_the_duplicate_key(client: TestClient) -> None:
    first = ok(client, "POST", "/patients", 201, json=HELOISE)["id"]
    corrected = ok(client, "PATCH", f"/patients/{first}/identity", json={"last_name": "Martin"})
    assert corrected["identity"]["last_name"] == "Martin"
    assert ok(client, "POST", "/patients", 201, json=HELOISE)["id"] != first  # old key released
    refused = ok(client, "POST", "/patients", 409, json={**HELOISE, "last_name": "Martin"})
    assert refused["existing_id"] == first
    history = ok(client, "GET", f"/patients/{first}/identity/history")
    assert [(h["change"], h["identity"]["last_name"]) for h in history] == [
        ("registered", "D'Arc-Dupont"), ("updated", "Martin")]
    assert history[1]["by"] == {"kind": "professional", "id": "pro-1"}


@pytest.mark.parametrize(("body", "field"), [
    ({**HELOISE, "last_name": "1234"}, "last_name"),
    ({**HELOISE, "birth_date": "2999-01-01"}, "birth_date"),
    ({**HELOISE, "birth_date": "1850-01-01"}, "birth_date"),
    ({**HELOISE, "ins": "25508141680253"}, "ins"),
    ({**HELOISE, "ins": "255081416802539"}, "ins"),
])
def test_bad_identities_are_refused_naming_the_field(client: TestClient, body: dict[str, Any], field: str) -> None:
    refused = ok(client, "POST", "/patients", 422, json=body)
    assert refused["errors"][0]["field"] == field


def test_sections_round_trip_with_their_history(client: TestClient) -> None:
    patient = ok(client, "POST", "/patients", 201, json=HELOISE)["id"]
    assert ok(client, "GET", f"/patients/{patient}/risk-factors")["current"] == {"factors": [], "other": None}
    ok(client, "PUT", f"/patients/{patient}/risk-factors", json={"factors": ["obesity", "diabetes"]})
    ok(client, "PUT", f"/patients/{patient}/risk-factors", json={"factors": ["diabetes"], "other": "asplénie"})
    risk = ok(client, "GET", f"/patients/{patient}/risk-factors")
    assert risk["current"] == {"factors": ["diabetes"], "other": "asplénie"}
    assert [h["content"]["factors"] for h in risk["history"]] == [["diabetes", "obesity"], ["diabetes"]]
    entries = [{"label": "Infarctus", "since": "2015-04-01", "note": None}]
    assert ok(client, "PUT", f"/patients/{patient}/medical-history", json={"entries": entries})["current"] == {
        "entries": entries
    }
    refused = ok(client, "PUT", f"/patients/{patient}/risk-factors", 422, json={"factors": ["smoker"]})
    assert refused["errors"][0]["field"].startswith("factors")


def test_notes_and_objectives_show_in_the_summary(client: TestClient) -> None:
    patient = ok(client, "POST", "/patients", 201, json=HELOISE)["id"]
    ok(client, "POST", f"/patients/{patient}/notes", 201, json={"text": "Passage IDE ce matin"})
    objective = ok(client, "POST", f"/patients/{patient}/objectives", 201, json={"title": "Sevrage O2"})["id"]
    changed = ok(client, "PATCH", f"/patients/{patient}/objectives/{objective}", json={"status": "achieved"})
    assert (changed["title"], changed["status"], len(changed["history"])) == ("Sevrage O2", "achieved", 2)
    summary = ok(client, "GET", f"/patients/{patient}/summary")
    assert [n["text"] for n in summary["latest_notes"]] == ["Passage IDE ce matin"]
    assert summary["open_objectives"] == [] and summary["care_episode"] is None
    assert summary["latest_documents"] == {"items": []}


def test_unknown_patient_and_objective_are_404(client: TestClient) -> None:
    missing = "00000000-0000-0000-0000-000000000001"
    assert ok(client, "GET", f"/patients/{missing}/summary", 404)["errors"][0]["field"] == "patient_id"
    ok(client, "POST", f"/patients/{missing}/notes", 404, json={"text": "x"})
    patient = ok(client, "POST", "/patients", 201, json=HELOISE)["id"]
    ok(client, "PATCH", f"/patients/{patient}/objectives/{missing}", 404, json={"status": "achieved"})


def test_a_search_prefix_needs_three_letters_once_folded(client: TestClient) -> None:
    refused = ok(client, "GET", "/patients", 422, params={"last_name": "d'a-", "first_name": "helo"})
    assert refused["errors"][0]["field"] == "last_name"


def test_bad_input_on_the_timeline_and_notes_is_422_naming_the_field(client: TestClient) -> None:
    """Break: the timeline's `offset: Offset` back to `Query(ge=0)` -> the offset cell fails (a 500 on
    PostgreSQL); `Moment` back to AwareDatetime -> the `from` cell fails (OverflowError, a 500)."""
    patient = ok(client, "POST", "/patients", 201, json=HELOISE)["id"]
    for params, field in (({"offset": 2**63}, "offset"), ({"limit": 501}, "limit"),
                          ({"from": "9999-12-31T23:59:59-14:00"}, "from")):
        response = client.get(f"/patients/{patient}/timeline", params=params)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == field, response.text
    nul = client.post(f"/patients/{patient}/notes", json={"text": "a\x00b"})
    assert nul.status_code == 422 and nul.json()["errors"][0]["field"] == "text"
    assert ok(client, "GET", f"/patients/{patient}/notes") == []
