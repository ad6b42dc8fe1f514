"""Finding a patient by three letters of each name; registering one, offered the existing
patient when the API finds the same identity (409), a homonym only when confirmed."""

from __future__ import annotations

from ecovid_web.catalogue import FR
from fastapi.testclient import TestClient
from web_fakes import PATIENT, FakeGateway, csrf_of, sign_in

NEW = {"last_name": "Dupont", "first_name": "Héloïse", "birth_date": "1950-03-02", "sex": "female",
       "commune": "Paris"}


def test_search_lists_the_patients_found_and_shows_a_refusal_next_to_its_field(client: TestClient) -> None:
    sign_in(client)
    found = client.get("/patients/search?last_name=dup&first_name=hel").text
    assert f'href="/patients/{PATIENT}"' in found and "Dupont" in found
    refused = client.get("/patients/search?last_name=du&first_name=hel").text
    assert 'id="s-last_name-error">String should have at least 3 characters' in refused


def test_a_duplicate_offers_the_existing_patient_and_a_confirmed_homonym_is_created(
        client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    form = client.get("/patients/new").text
    duplicate = client.post("/patients/new", data={"csrf_token": csrf_of(form), **NEW})
    assert duplicate.status_code == 409
    assert FR["create.duplicate"].replace("'", "&#39;") in duplicate.text
    assert f'href="/patients/{PATIENT}"' in duplicate.text and 'name="confirm_homonym"' in duplicate.text
    created = client.post("/patients/new", data={"csrf_token": csrf_of(form), **NEW, "confirm_homonym": "yes"})
    assert created.status_code == 303
    assert created.headers["location"] == "/patients/0b7e8f0e-5a3c-4a52-9d55-3f0a3e5b1c11"
    assert [body for body in gateway.posted("/patients")] == [NEW, NEW]
