"""Tokens are signed, expire, and are checked; a professional sees only their circle's patients."""

from __future__ import annotations

import httpx
import jwt

from ecovid_stack.stack import Stack

from tests.integration.support import PASSWORD, Api


def test_every_route_wants_a_valid_token(pg_stack: Stack) -> None:
    gateway = pg_stack.url("gateway")
    for method, path in [("GET", "/api/v1/patients/00000000-0000-0000-0000-000000000001"),
                         ("GET", "/api/v1/alerts"), ("POST", "/api/v1/structures")]:
        assert httpx.request(method, gateway + path).status_code == 401
    forged = jwt.encode({"sub": "00000000-0000-0000-0000-000000000001", "role": "admin", "exp": 4102444800},
                        "not-the-secret-but-long-enough-for-hs256-keys", algorithm="HS256")
    response = httpx.post(gateway + "/api/v1/structures", json={"name": "x", "kind": "practice"},
                          headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json()["detail"] == "invalid or expired token"


def test_wrong_password_is_refused(pg_stack: Stack) -> None:
    response = httpx.post(pg_stack.url("gateway") + "/api/v1/auth/token",
                          json={"username": "admin@it.local", "password": "wrong"})
    assert response.status_code == 401


def test_only_the_care_circle_sees_a_patient(pg_stack: Stack, pg_admin: Api, care_team: tuple[Api, str]) -> None:
    doctor, structure_id = care_team
    patient = doctor.patient("Rousseau")
    _, other_email = pg_admin.professional(structure_id)
    outsider = Api.login(pg_stack.url("gateway"), other_email, PASSWORD)
    outsider.ok("GET", f"/patients/{patient}", 403)
    outsider.ok("GET", "/alerts", params={"patient_id": patient}, status=403)
    pg_admin.ok("POST", "/patients", 403, json={})
    members = doctor.ok("GET", f"/patients/{patient}/care-circle/members")
    assert [m["role"] for m in members] == ["creator"]
