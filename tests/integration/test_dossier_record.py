"""The coordination record end to end through the gateway, on PostgreSQL and the real broker:
registration, duplicates, search, identity history, clinical sections, notes, objectives, summary.

Each test registers its own Héloïse (a last name and an INS no other test uses), so every test
passes alone and in any order: run `-k test_notes_and_objectives_reach_the_summary` alone."""

from __future__ import annotations

import string
import uuid
from typing import Any

import pytest

from ecovid_stack.stack import Stack

from tests.integration.support import PASSWORD, Api, eventually

HELOISE = {"last_name": "D'Arc-Dupont", "first_name": "Héloïse", "birth_date": "1948-07-14",
           "sex": "female", "commune": "Bordeaux", "postal_code": "33000", "ins": "248073310012345"}


@pytest.fixture
def identity() -> dict[str, Any]:
    """Héloïse D'Arc-Dupont-<4 letters>, with an INS of her own (commune and order number drawn)."""
    # uuid4, not `random`: pytest-randomly reseeds `random` per test from the run's seed.
    drawn = uuid.uuid4().int
    suffix = "".join(string.ascii_lowercase[(drawn >> (5 * i)) % 26] for i in range(4)).capitalize()
    number = f"{HELOISE['ins'][:7]}{(drawn >> 40) % 10**6:06d}"
    return {**HELOISE, "last_name": f"{HELOISE['last_name']}-{suffix}", "ins": f"{number}{97 - int(number) % 97:02d}"}


@pytest.fixture
def heloise(care_team: tuple[Api, str], identity: dict[str, Any]) -> str:
    doctor, _ = care_team
    return str(doctor.ok("POST", "/patients", 201, json=identity)["id"])


def test_a_duplicate_is_refused_with_the_existing_id(
    care_team: tuple[Api, str], identity: dict[str, Any], heloise: str,
) -> None:
    doctor, _ = care_team
    written_otherwise = identity["last_name"].lower().replace("'", "").replace("-", " ")
    same_person = {**identity, "last_name": written_otherwise, "first_name": "HELOISE", "ins": None}
    refused = doctor.http.post("/api/v1/patients", json=same_person)
    assert refused.status_code == 409 and refused.json()["existing_id"] == heloise
    same_ins = {**identity, "first_name": "Jeanne"}
    refused = doctor.http.post("/api/v1/patients", json=same_ins, params={"confirm_homonym": "true"})
    assert refused.status_code == 409 and refused.json()["existing_id"] == heloise
    homonym = doctor.ok("POST", "/patients", 201, json=same_person, params={"confirm_homonym": "true"})["id"]
    assert homonym != heloise


def test_search_finds_heloise_from_helo_and_d_ar(
    care_team: tuple[Api, str], identity: dict[str, Any], heloise: str,
) -> None:
    doctor, _ = care_team
    found = eventually(lambda: [p for p in doctor.ok("GET", "/patients", params={
        "last_name": "d'ar", "first_name": "helo", "limit": 100}) if p["id"] == heloise])
    assert found[0]["last_name"] == identity["last_name"]
    dated = doctor.ok("GET", "/patients", params={"last_name": "DARC", "first_name": "Hél", "birth_date": "1948-07-14",
                                                       "limit": 100})
    assert heloise in {p["id"] for p in dated}
    assert (
        doctor.ok("GET", "/patients", params={"last_name": "darc", "first_name": "helo", "birth_date": "1948-07-15"})
        == []
    )
    short = doctor.http.get("/api/v1/patients", params={"last_name": "d'a-", "first_name": "helo"})
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "last_name"


def test_identity_correction_keeps_its_history(care_team: tuple[Api, str], heloise: str) -> None:
    doctor, _ = care_team
    doctor.ok("PATCH", f"/patients/{heloise}/identity", json={"phone": "06 12 34 56 78", "commune": "Talence"})
    history = doctor.ok("GET", f"/patients/{heloise}/identity/history")
    assert [h["change"] for h in history] == ["registered", "updated"]
    assert (history[0]["identity"]["commune"], history[1]["identity"]["commune"]) == ("Bordeaux", "Talence")
    assert history[1]["by"]["kind"] == "professional"
    bad = doctor.http.patch(f"/api/v1/patients/{heloise}/identity", json={"birth_date": "1899-12-31"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "birth_date"
    assert len(doctor.ok("GET", f"/patients/{heloise}/identity/history")) == 2  # nothing stored


def test_every_section_round_trips_with_its_history(care_team: tuple[Api, str], heloise: str) -> None:
    doctor, _ = care_team
    bodies = {
        "risk-factors": [{"factors": ["age_over_65", "diabetes"]}, {"factors": ["diabetes"], "other": "BPCO légère"}],
        "medical-history": [{"entries": [{"label": "Infarctus", "since": "2015-04-01", "note": None}]}],
        "allergies": [{"entries": [{"substance": "Pénicilline", "reaction": "urticaire"}]}],
        "treatments": [{"entries": [{"name": "Metformine", "dosage": "500 mg x2", "since": None}]}],
    }
    for section, versions in bodies.items():
        for body in versions:
            doctor.ok("PUT", f"/patients/{heloise}/{section}", json=body)
        read = doctor.ok("GET", f"/patients/{heloise}/{section}")
        assert read["current"] == {**read["current"], **versions[-1]}
        assert len(read["history"]) == len(versions) and read["updated_by"]["kind"] == "professional"
    bad = doctor.http.put(f"/api/v1/patients/{heloise}/risk-factors", json={"factors": ["smoking"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("factors")


def test_notes_and_objectives_reach_the_summary(care_team: tuple[Api, str], heloise: str) -> None:
    """Break (of the test itself, as the issue found it): the patient shared with the sections test,
    whose risk factors it read -> failed when run alone; now it writes what it reads."""
    doctor, _ = care_team
    doctor.ok("PUT", f"/patients/{heloise}/risk-factors", json={"factors": ["diabetes"]})
    document = "6d1f0b8e-3c55-4b8a-9d1c-2c1e9b0f4a10"
    doctor.ok(
        "POST",
        f"/patients/{heloise}/notes",
        201,
        json={"text": "Passage IDE : plaie propre", "document_ids": [document]},
    )
    goal = doctor.ok("POST", f"/patients/{heloise}/objectives", 201, json={"title": "Reprise de la marche"})["id"]
    doctor.ok("PATCH", f"/patients/{heloise}/objectives/{goal}", json={"status": "achieved"})
    doctor.ok("POST", f"/patients/{heloise}/objectives", 201, json={"title": "Sevrage oxygène"})
    summary = doctor.ok("GET", f"/patients/{heloise}/summary")
    assert summary["latest_notes"][0]["text"] == "Passage IDE : plaie propre"
    assert summary["latest_notes"][0]["document_ids"] == [document]
    assert [o["title"] for o in summary["open_objectives"]] == ["Sevrage oxygène"]
    assert summary["risk_factors"]["factors"] == ["diabetes"]
    assert summary["latest_documents"] == {"items": []}
    objectives = doctor.ok("GET", f"/patients/{heloise}/objectives")
    assert [len(o["history"]) for o in objectives] == [2, 1]


def test_outsiders_and_unknown_patients(
    pg_stack: Stack, pg_admin: Api, care_team: tuple[Api, str], heloise: str
) -> None:
    doctor, structure_id = care_team
    _, email = pg_admin.professional(structure_id)
    outsider = Api.login(pg_stack.url("gateway"), email, PASSWORD)
    assert outsider.http.get(f"/api/v1/patients/{heloise}/summary").status_code == 403
    assert outsider.http.post(f"/api/v1/patients/{heloise}/notes", json={"text": "x"}).status_code == 403
    assert doctor.http.get("/api/v1/patients/00000000-0000-0000-0000-000000000000/summary").status_code in (403, 404)
