"""Bad input gets a clear 4xx naming the field, never a 500, and nothing is stored."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.support import Api, now_iso


@pytest.fixture(scope="module")
def enrolled(care_team: tuple[Api, str]) -> tuple[Api, str, str]:
    doctor, structure_id = care_team
    patient = doctor.patient("Bernard")
    return doctor, structure_id, doctor.episode(patient, structure_id)


@pytest.mark.parametrize(("reading", "field"), [
    ({"temperature": 45.1}, "temperature"),
    ({"temperature": 29.9}, "temperature"),
    ({"heart_rate": 251}, "heart_rate"),
    ({"respiratory_rate": 3}, "respiratory_rate"),
    ({"spo2": 101}, "spo2"),
    ({"dyspnea": "sometimes"}, "dyspnea"),
    ({"cough": "maybe"}, "cough"),
    ({"pulse": 80}, "pulse"),
])
def test_out_of_range_or_unknown_indicator(enrolled: tuple[Api, str, str], reading: dict, field: str) -> None:
    doctor, _, episode = enrolled
    response = doctor.http.post(f"/api/v1/care-episodes/{episode}/readings",
                                json={"taken_at": now_iso(), **reading})
    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]
    assert doctor.ok("GET", f"/care-episodes/{episode}/readings") == []


def test_reading_without_indicator_or_time(enrolled: tuple[Api, str, str]) -> None:
    doctor, _, episode = enrolled
    empty = doctor.http.post(f"/api/v1/care-episodes/{episode}/readings", json={"taken_at": now_iso()})
    assert empty.status_code == 422
    assert "at least one indicator" in empty.json()["detail"]
    no_time = doctor.http.post(f"/api/v1/care-episodes/{episode}/readings", json={"temperature": 37})
    assert no_time.status_code == 422
    assert no_time.json()["errors"][0]["field"] == "taken_at"
    assert doctor.ok("GET", f"/care-episodes/{episode}/readings") == []


def test_malformed_json(enrolled: tuple[Api, str, str]) -> None:
    doctor, _, episode = enrolled
    response = doctor.http.post(f"/api/v1/care-episodes/{episode}/readings",
                                content=b'{"taken_at": ', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


def test_unknown_ids(enrolled: tuple[Api, str, str]) -> None:
    doctor, _, _ = enrolled
    unknown = str(uuid.uuid4())
    doctor.ok("POST", f"/care-episodes/{unknown}/readings", 404, json={"taken_at": now_iso(), "temperature": 37})
    doctor.ok("GET", f"/patients/{unknown}", 403)
    patient = doctor.patient("Petit")
    response = doctor.http.post(f"/api/v1/patients/{patient}/care-episodes",
                                json={"started_on": "2026-11-01", "status": "suspected", "structure_id": unknown})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "structure_id"


def test_patient_identity_errors(enrolled: tuple[Api, str, str]) -> None:
    doctor, _, _ = enrolled
    base = {"last_name": "Dupont", "first_name": "Jean", "birth_date": "1960-01-01", "sex": "male", "commune": "Paris"}
    for change, field in [({"last_name": "1234"}, "last_name"), ({"birth_date": "2999-01-01"}, "birth_date"),
                          ({"sex": "x"}, "sex"), ({"ins": "123"}, "ins")]:
        response = doctor.http.post("/api/v1/patients", json={**base, **change})
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field


def test_second_open_episode_and_closed_episode(enrolled: tuple[Api, str, str]) -> None:
    doctor, structure_id, _ = enrolled
    patient = doctor.patient("Lambert")
    episode = doctor.episode(patient, structure_id)
    doctor.ok("POST", f"/patients/{patient}/care-episodes", 409,
              json={"started_on": "2026-11-01", "status": "suspected", "structure_id": structure_id})
    doctor.ok("POST", f"/care-episodes/{episode}/close")
    doctor.ok("POST", f"/care-episodes/{episode}/readings", 409, json={"taken_at": now_iso(), "temperature": 37})
    future = doctor.http.post(f"/api/v1/care-episodes/{doctor.episode(patient, structure_id)}/readings",
                              json={"taken_at": "2999-01-01T00:00:00Z", "temperature": 37})
    assert future.status_code == 422
    assert future.json()["errors"][0]["field"] == "taken_at"
