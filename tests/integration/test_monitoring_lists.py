"""The adult and child monitoring lists through the gateway: each filter, the order, the paging, who sees what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ecovid_stack.stack import Stack

from tests.integration.support import (
    ALARMING,
    NORMAL,
    PASSWORD,
    Api,
    eventually,
    now_iso,
)


def years_ago(years: int, days: int = 30) -> str:
    return (datetime.now(UTC).date().replace(year=datetime.now(UTC).year - years) - timedelta(days=days)).isoformat()


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).date().isoformat()


class Ward:
    """A structure of its own, so other tests' patients never show in these lists."""

    def __init__(self, stack: Stack, admin: Api) -> None:
        self.structure_id = admin.structure("Centre de suivi des listes")
        _, email = admin.professional(self.structure_id)
        self.doctor = Api.login(stack.url("gateway"), email, PASSWORD)

    def enrol(self, last_name: str, age: int, commune: str = "Paris", first_symptoms: int | None = None) -> str:
        patient = self.doctor.ok("POST", "/patients", 201, json={
            "last_name": last_name, "first_name": "Zoé", "birth_date": years_ago(age),
            "sex": "female", "commune": commune})["id"]
        body: dict[str, Any] = {
            "started_on": days_ago(3),
            "status": "tested_positive",
            "structure_id": self.structure_id,
        }
        if first_symptoms is not None:
            body["first_symptoms_on"] = days_ago(first_symptoms)
        return str(self.doctor.ok("POST", f"/patients/{patient}/care-episodes", 201, json=body)["id"])

    def reading(self, episode: str, minutes_ago: int, values: dict[str, Any]) -> None:
        self.doctor.ok(
            "POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(minutes_ago), **values}
        )

    def names(self, population: str = "adults", **filters: Any) -> list[str]:
        page = self.doctor.ok("GET", "/monitoring/patients", params={"population": population, **filters})
        return [row["last_name"] for row in page["rows"]]


@pytest.fixture(scope="module")
def ward(pg_stack: Stack, pg_admin: Api) -> Ward:
    ward = Ward(pg_stack, pg_admin)
    ward.reading(ward.enrol("Rouge", 70, "Créteil", first_symptoms=6), 60, ALARMING)
    ward.reading(ward.enrol("Orange", 40, first_symptoms=2), 500, {"cough": True, "temperature": 37})
    ward.reading(ward.enrol("Ambre", 80), 120, {"spo2": 94})
    ward.reading(ward.enrol("Vert", 30), 180, NORMAL)
    ward.enrol("Nouveau", 50)
    hospital = ward.enrol("Hôpital", 60)
    ward.doctor.ok("POST", f"/care-episodes/{hospital}/hospitalisation")
    ward.reading(ward.enrol("Enfant", 8), 30, {"heart_rate": 100})
    closed = ward.enrol("Fermé", 45)
    ward.doctor.ok("POST", f"/care-episodes/{closed}/close")
    eventually(lambda: ward.names() == ["Rouge", "Orange", "Ambre", "Vert", "Nouveau", "Hôpital"]
               and ward.names("children") == ["Enfant"], timeout=30)
    return ward


def test_order_severity_then_staleness_and_rows(ward: Ward) -> None:
    page = ward.doctor.ok("GET", "/monitoring/patients", params={"population": "adults"})
    assert page["total"] == 6
    first = page["rows"][0]
    assert (first["general_state"], first["levels"]["temperature"], first["age"], first["commune"]) == (
        "alert", "alert", 70, "Créteil")
    assert {"patient_id", "first_name", "episode_id", "status", "hospitalised", "last_reading_at"} <= first.keys()
    hospital = next(row for row in page["rows"] if row["last_name"] == "Hôpital")
    assert hospital["hospitalised"] is True and hospital["general_state"] == "none"
    assert ward.names("children") == ["Enfant"]


@pytest.mark.parametrize(("filters", "expected"), [
    ({"level": "alert"}, ["Rouge"]),
    ({"level": "watch"}, ["Orange", "Ambre"]),
    ({"level": "normal"}, ["Vert"]),
    ({"level": "none"}, ["Nouveau", "Hôpital"]),
    ({"symptom": "cough"}, ["Orange"]),
    ({"symptom": "spo2"}, ["Rouge", "Ambre"]),
    ({"age_min": 60}, ["Rouge", "Ambre", "Hôpital"]),
    ({"age_min": 35, "age_max": 55}, ["Orange", "Nouveau"]),
    ({"commune": "creteil"}, ["Rouge"]),
    ({"name": "hop"}, ["Hôpital"]),
    ({"name": "zoe"}, ["Rouge", "Orange", "Ambre", "Vert", "Nouveau", "Hôpital"]),
])
def test_filters(ward: Ward, filters: dict[str, Any], expected: list[str]) -> None:
    assert ward.names(**filters) == expected


def test_time_filters(ward: Ward) -> None:
    four_hours_ago = (datetime.now(UTC) - timedelta(hours=4)).isoformat()
    assert ward.names(updated_before=four_hours_ago) == ["Orange"]
    assert ward.names(updated_after=four_hours_ago) == ["Rouge", "Ambre", "Vert"]
    assert ward.names(first_symptoms_from=days_ago(3)) == ["Orange"]
    assert ward.names(first_symptoms_to=days_ago(3)) == ["Rouge"]


def test_paging(ward: Ward) -> None:
    page = ward.doctor.ok("GET", "/monitoring/patients", params={"population": "adults", "limit": 2, "offset": 2})
    assert page["total"] == 6
    assert [row["last_name"] for row in page["rows"]] == ["Ambre", "Vert"]


def test_other_structures_and_bad_filters(ward: Ward, care_team: tuple[Api, str], pg_admin: Api) -> None:
    other, _ = care_team
    page = other.ok("GET", "/monitoring/patients", params={"population": "adults", "name": "zoe"})
    assert page["rows"] == []
    pg_admin.ok("GET", "/monitoring/patients", 403, params={"population": "adults"})
    for bad in ({"population": "elderly"}, {"population": "adults", "level": "red"},
                {"population": "adults", "age_min": -1}, {"population": "adults", "updated_after": "yesterday"}):
        response = ward.doctor.http.get("/api/v1/monitoring/patients", params=bad)
        assert response.status_code == 422, response.text
    unknown = ward.doctor.http.get("/api/v1/monitoring/patients", params={"population": "adults", "symptom": "pulse"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "symptom"
