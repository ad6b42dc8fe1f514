"""care-circle's internal API: directory, circle membership, the access check the gateway asks
before every patient route, refusals naming the field, and the internal token; and `build()`."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from ecovid_platform.settings import ServiceSettings

from care_circle.bootstrap import build

PROFESSIONAL = {"email": "anne.martin@example.org", "first_name": "Anne", "last_name": "Martin",
                "profession": "nurse", "rpps": "10001234567"}


def ok(client: TestClient, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
    response = client.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def team(client: TestClient) -> tuple[str, str]:
    voltaire = {"name": "Maison de santé Voltaire", "kind": "practice"}
    structure = ok(client, "POST", "/structures", 201, json=voltaire)["id"]
    pro = ok(client, "POST", "/professionals", 201, json={**PROFESSIONAL, "structure_id": structure})["id"]
    return structure, pro


def team_structure(client: TestClient, pro: str) -> str:
    return str(ok(client, "GET", f"/professionals/{pro}")["structure_id"])


def allowed(client: TestClient, patient: str, pro: str) -> bool:
    return ok(client, "GET", "/access", params={"patient_id": patient, "professional_id": pro})["allowed"]


def test_directory_reads_back_what_was_registered(client: TestClient) -> None:
    structure, pro = team(client)
    assert ok(client, "GET", f"/structures/{structure}") == {
        "id": structure, "name": "Maison de santé Voltaire", "kind": "practice", "finess": None}
    profile = ok(client, "GET", f"/professionals/{pro}")
    assert profile == {**PROFESSIONAL, "id": pro, "structure_id": structure}


def test_access_follows_membership(client: TestClient) -> None:
    """Break: /access answers `allowed: true` for everyone -> the outsider and the removed member pass, fails;
    break: remove route returns 204 without calling remove_member -> access stays, fails."""
    _, pro = team(client)
    patient = str(uuid.uuid4())
    assert allowed(client, patient, pro) is False
    added = ok(client, "POST", f"/patients/{patient}/members", 201, json={"professional_id": pro, "role": "nurse"})
    assert (added["professional_id"], added["role"]) == (pro, "nurse")
    # Named from the directory, so that a screen need not ask for each member.
    named = {k: PROFESSIONAL[k] for k in ("first_name", "last_name", "profession")}
    assert ok(client, "GET", f"/patients/{patient}/members") == [{"professional_id": pro, "role": "nurse", **named}]
    assert allowed(client, patient, pro) is True
    assert allowed(client, str(uuid.uuid4()), pro) is False  # another patient's circle
    ok(client, "POST", f"/patients/{patient}/members", 201, json={"professional_id": pro})  # again: no change
    assert ok(client, "GET", f"/patients/{patient}/members") == [{"professional_id": pro, "role": "nurse", **named}]
    assert ok(client, "DELETE", f"/patients/{patient}/members/{pro}", 409)["errors"][0]["field"] == "professional_id"
    colleague = ok(client, "POST", "/professionals", 201, json={
        **PROFESSIONAL, "email": "colleague@example.org", "structure_id": team_structure(client, pro)})["id"]
    ok(client, "POST", f"/patients/{patient}/members", 201, json={"professional_id": colleague, "role": "other"})
    assert ok(client, "DELETE", f"/patients/{patient}/members/{pro}", 204) is None
    assert allowed(client, patient, pro) is False
    again = ok(client, "DELETE", f"/patients/{patient}/members/{pro}", 404)
    assert again["errors"][0]["field"] == "professional_id"


def test_access_answers_the_role_and_what_it_opens(client: TestClient) -> None:
    """Break: /access answering `allowed` alone (as before) -> fails."""
    _, pro = team(client)
    patient = str(uuid.uuid4())
    query = {"patient_id": patient, "professional_id": pro}
    assert ok(client, "GET", "/access", params=query) == {"allowed": False, "role": None, "documents_and_notes": False}
    ok(client, "POST", f"/patients/{patient}/members", 201, json={"professional_id": pro, "role": "home_help"})
    assert ok(client, "GET", "/access", params=query) == {
        "allowed": True, "role": "home_help", "documents_and_notes": False}
    colleague = ok(client, "POST", "/professionals", 201, json={
        **PROFESSIONAL, "email": "pharmacist@example.org", "structure_id": team_structure(client, pro)})["id"]
    ok(client, "POST", f"/patients/{patient}/members", 201, json={"professional_id": colleague, "role": "pharmacist"})
    assert ok(client, "GET", "/access", params={**query, "professional_id": colleague}) == {
        "allowed": True, "role": "pharmacist", "documents_and_notes": True}


def test_refusals_name_the_field(client: TestClient) -> None:
    structure, _ = team(client)
    cases = [
        ("/structures", {"name": "X", "kind": "spa"}, "kind", 422),
        ("/structures", {"name": "X", "kind": "practice", "finess": "12345"}, "finess", 422),
        ("/structures", {"name": "   ", "kind": "practice"}, "name", 422),
        ("/professionals", {**PROFESSIONAL, "email": "not-an-address", "structure_id": structure}, "email", 422),
        ("/professionals", {**PROFESSIONAL, "rpps": "123", "structure_id": structure}, "rpps", 422),
        ("/professionals", {**PROFESSIONAL, "structure_id": structure}, "email", 409),
        ("/professionals", {**PROFESSIONAL, "email": "b@example.org", "structure_id": str(uuid.uuid4())},
         "structure_id", 404),
        (f"/patients/{uuid.uuid4()}/members", {"professional_id": str(uuid.uuid4())}, "professional_id", 404),
    ]
    for path, body, field, status in cases:
        refused = client.post(path, json=body)
        assert refused.status_code == status, (path, body, refused.text)
        assert any(e["field"].startswith(field) for e in refused.json()["errors"]), refused.text
        assert "Traceback" not in refused.text
    assert ok(client, "GET", f"/structures/{uuid.uuid4()}", 404)["errors"][0]["field"] == "structure_id"
    assert ok(client, "GET", f"/professionals/{uuid.uuid4()}", 404)["errors"][0]["field"] == "professional_id"


def test_nothing_without_the_internal_token(client: TestClient) -> None:
    """Break: the internal-token guard left out of the wiring -> 200, fails."""
    patient, pro = uuid.uuid4(), uuid.uuid4()
    for headers in ({}, {"X-Internal-Token": "not-the-token"}):
        bare = TestClient(client.app, headers=headers)
        assert bare.get("/access", params={"patient_id": str(patient), "professional_id": str(pro)}).status_code == 401
        assert bare.post(f"/patients/{patient}/members", json={"professional_id": str(pro)}).status_code == 401


def test_the_service_as_built_answers_its_internal_api(tmp_path: Path) -> None:
    process = build(ServiceSettings(data_dir=tmp_path, internal_token="built-token"))
    with TestClient(process.http, headers={"X-Internal-Token": "built-token"}) as client:
        patient, pro = uuid.uuid4(), uuid.uuid4()
        assert allowed(client, str(patient), str(pro)) is False
        assert client.get("/access", headers={"X-Internal-Token": "x"},
                          params={"patient_id": str(patient), "professional_id": str(pro)}).status_code == 401
