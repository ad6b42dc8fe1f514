"""Enrolling a patient in the professional's own structure, and inviting them to the portal."""

from __future__ import annotations

from ecovid_web.catalogue import FR
from fastapi.testclient import TestClient
from web_fakes import EPISODE, PATIENT, STRUCTURE, FakeGateway, csrf_of, sign_in


def test_enrolment_names_the_structure_of_the_token(client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    csrf = csrf_of(client.get(f"/patients/{PATIENT}").text)
    answer = client.post(f"/patients/{PATIENT}/episode", data={
        "csrf_token": csrf, "started_on": "2026-11-30", "status": "suspected", "readings_per_day": "3"})
    assert answer.status_code == 303 and answer.headers["location"] == f"/patients/{PATIENT}?episode={EPISODE}"
    assert gateway.posted(f"/patients/{PATIENT}/care-episodes") == [
        {"started_on": "2026-11-30", "status": "suspected", "structure_id": STRUCTURE, "readings_per_day": 3}]


def test_an_invitation_sent_is_said_and_a_refused_one_shows_the_api_message(
        client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    csrf = csrf_of(client.get(f"/patients/{PATIENT}").text)
    sent = client.post(f"/patients/{PATIENT}/invitation", data={"csrf_token": csrf, "email": "p@example.org"})
    assert FR["invite.sent"] in client.get(sent.headers["location"]).text
    refused = client.post(f"/patients/{PATIENT}/invitation", data={"csrf_token": csrf, "email": "nobody"})
    assert "email: not an e-mail address" in client.get(refused.headers["location"]).text
    invited = [b["email"] for b in gateway.posted(f"/patients/{PATIENT}/portal-invitations")]
    assert invited == ["p@example.org", "nobody"]
