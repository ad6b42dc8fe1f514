"""A note and an objective written from the patient's page go to the API as the fields it names."""

from __future__ import annotations

from ecovid_web.catalogue import FR
from fastapi.testclient import TestClient
from web_fakes import EPISODE, PATIENT, FakeGateway, csrf_of, sign_in


def test_a_note_and_an_objective_are_sent_and_said_done(client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    page = client.get(f"/patients/{PATIENT}?episode={EPISODE}").text
    assert f'action="/patients/{PATIENT}/notes"' in page and f'action="/patients/{PATIENT}/objectives"' in page
    csrf = csrf_of(page)
    note = client.post(f"/patients/{PATIENT}/notes", data={"csrf_token": csrf, "text": "Essoufflée <ce matin>",
                                                           "episode": EPISODE})
    assert note.headers["location"] == f"/patients/{PATIENT}?episode={EPISODE}"
    assert FR["note.shared"] in client.get(note.headers["location"]).text
    client.post(f"/patients/{PATIENT}/objectives", data={"csrf_token": csrf, "title": "Marcher 10 min"})
    assert gateway.posted(f"/patients/{PATIENT}/notes") == [{"text": "Essoufflée <ce matin>"}]
    assert gateway.posted(f"/patients/{PATIENT}/objectives") == [{"title": "Marcher 10 min"}]


def test_a_refused_note_shows_the_api_message_and_an_unknown_section_is_not_found(client: TestClient) -> None:
    sign_in(client)
    csrf = csrf_of(client.get(f"/patients/{PATIENT}").text)
    refused = client.post(f"/patients/{PATIENT}/notes", data={"csrf_token": csrf, "text": ""})
    assert "text: String should have at least 1 character" in client.get(refused.headers["location"]).text
    assert client.post(f"/patients/{PATIENT}/identity", data={"csrf_token": csrf}).status_code == 404


def test_a_live_update_of_another_tab_leaves_the_notice_to_the_page_it_is_for(client: TestClient) -> None:
    sign_in(client)  # the list, open in another tab of the same session, refreshes its rows meanwhile
    csrf = csrf_of(client.get(f"/patients/{PATIENT}").text)
    shared = client.post(f"/patients/{PATIENT}/notes", data={"csrf_token": csrf, "text": "Vue ce matin"})
    refused = client.post(f"/patients/{PATIENT}/notes", data={"csrf_token": csrf, "text": ""})
    for rows in ("/monitoring/rows?population=adults", "/alerts/rows"):
        assert client.get(rows, headers={"HX-Request": "true"}).status_code == 200
    html = client.get(shared.headers["location"]).text
    assert FR["note.shared"] in html and "text: String should have at least 1 character" in html
    assert refused.headers["location"] == shared.headers["location"]
