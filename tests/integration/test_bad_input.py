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
    # An unknown structure is a named resource that does not exist: 404, as everywhere.
    assert response.status_code == 404, response.text


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


# What Python's json reads but no store carries; each was a 500, or (NaN) a value lost.
UNCARRIED = [
    (b'"heart_rate": 18446744073709551616', "heart_rate"),
    (b'"dyspnea": "\\ud800"', "dyspnea"),
    (b'"spo2": NaN', "spo2"),
    (b'"spo2": Infinity', "spo2"),
    (b'"spo2": 1e400', "spo2"),
]


@pytest.mark.parametrize(("raw", "field"), UNCARRIED)
def test_what_no_store_carries_is_422_and_nothing_is_lost(
    enrolled: tuple[Api, str, str], raw: bytes, field: str,
) -> None:
    doctor, _, episode = enrolled
    body = b'{"taken_at": "%s", "temperature": 38.4, %s}' % (now_iso().encode(), raw)
    response = doctor.http.post(f"/api/v1/care-episodes/{episode}/readings", content=body,
                                headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert doctor.ok("GET", f"/care-episodes/{episode}/readings") == []


def test_nul_content_type_and_size(enrolled: tuple[Api, str, str]) -> None:
    doctor, _, _ = enrolled
    patient = doctor.patient("Nul")
    nul = doctor.http.post(f"/api/v1/patients/{patient}/notes", json={"text": "a\u0000b"})
    assert nul.status_code == 422 and nul.json()["errors"][0]["field"] == "text"
    form = doctor.http.post(f"/api/v1/patients/{patient}/notes", content=b"text=hello",
                            headers={"content-type": "application/x-www-form-urlencoded"})
    assert form.status_code == 415, form.text
    huge = doctor.http.post(f"/api/v1/patients/{patient}/notes", json={"text": "x" * (1024 * 1024)})
    assert huge.status_code == 413
    assert doctor.ok("GET", f"/patients/{patient}/notes") == []


def test_paging_is_bounded_on_every_list(enrolled: tuple[Api, str, str]) -> None:
    doctor, _, _ = enrolled
    patient = doctor.patient("Pages")
    for path, params in (("/alerts", {}), ("/monitoring/patients", {"population": "adults"}),
                         (f"/patients/{patient}/documents", {}), (f"/patients/{patient}/timeline", {})):
        response = doctor.http.get(f"/api/v1{path}", params={**params, "offset": 2**63})
        assert response.status_code == 422, (path, response.text)
        assert response.json()["errors"][0]["field"] == "offset"


def test_episode_and_reading_dates_against_birth_and_today(enrolled: tuple[Api, str, str]) -> None:
    doctor, structure_id, _ = enrolled
    patient = doctor.patient("Dates", birth_date="1950-03-02")
    for started_on in ("1900-01-01", "1950-03-01", "2999-01-01"):
        response = doctor.http.post(f"/api/v1/patients/{patient}/care-episodes", json={
            "started_on": started_on, "status": "suspected", "structure_id": structure_id})
        assert response.status_code == 422, (started_on, response.text)
        assert response.json()["errors"][0]["field"] == "started_on"
    episode = doctor.episode(patient, structure_id)
    for taken_at, words in (("1949-01-01T08:00:00Z", "birth"), ("2020-01-01T08:00:00Z", "started"),
                            ("9999-12-31T23:59:59-14:00", "between")):
        response = doctor.http.post(f"/api/v1/care-episodes/{episode}/readings",
                                    json={"taken_at": taken_at, "temperature": 37})
        assert response.status_code == 422, (taken_at, response.text)
        assert response.json()["errors"][0]["field"] == "taken_at" and words in response.text
    assert doctor.ok("GET", f"/care-episodes/{episode}/readings") == []


def test_a_refused_dry_run_leaves_the_next_request_of_another_user_unharmed(
    enrolled: tuple[Api, str, str], pg_admin: Api,
) -> None:
    """Deep YAML overflowed the stack in ecovid-monitor (502), and the monitor's connection,
    closed after the error, failed the next write of another user (503)."""
    doctor, structure_id, _ = enrolled
    episode = doctor.episode(doctor.patient("Voisin"), structure_id)  # its own: the module's stays empty
    deep_yaml = "a: " + "[" * 30_000 + "]" * 30_000 + "\n"
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 9))
    nested: dict = {}
    for _ in range(40):
        nested = {"a": nested}
    for candidate, field in ((deep_yaml, "rule_set"), (bomb, "rule_set"), (nested, "rule_set.a.a.a")):
        for _ in range(3):  # again and again: the next request must find the connection whole
            refused = pg_admin.http.post("/api/v1/rule-sets/dry-run", json={"rule_set": candidate})
            assert refused.status_code == 422, refused.text
            assert refused.json()["errors"][0]["field"].startswith(field), refused.text
            reading = doctor.http.post(f"/api/v1/care-episodes/{episode}/readings",
                                       json={"taken_at": now_iso(), "temperature": 37})
            assert reading.status_code == 201, reading.text
    report = pg_admin.ok("POST", "/rule-sets/dry-run", json={"rule_set": "id: x\n"}, status=422)
    assert report["errors"][0]["field"] == "rule_set"
