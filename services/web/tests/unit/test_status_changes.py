"""The care episode's status changed and the episode closed, an objective's status changed, from
the patient's page: the body the API gets, the notice, the API's refusal next to its field."""

from __future__ import annotations

from ecovid_web.catalogue import FR
from fastapi.testclient import TestClient
from web_fakes import EPISODE, OBJECTIVE, PATIENT, FakeGateway, csrf_of, escaped, sign_in

PAGE = f"/patients/{PATIENT}?episode={EPISODE}"
STATUS = f"/patients/{PATIENT}/episodes/{EPISODE}/status"
CLOSE = f"/patients/{PATIENT}/episodes/{EPISODE}/close"
OBJECTIVE_FORM = f"/patients/{PATIENT}/objectives/{OBJECTIVE}"


def test_the_episode_status_is_sent_to_the_api_and_said_changed(client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    html = client.get(PAGE).text
    assert f'action="{STATUS}"' in html and '<label for="ep-status">' in html
    assert '<option value="tested_positive" selected>' in html  # the current status, chosen
    answer = client.post(STATUS, data={"csrf_token": csrf_of(html), "status": "tested_negative"})
    assert answer.status_code == 303 and answer.headers["location"] == PAGE
    assert gateway.sent("PATCH", f"/care-episodes/{EPISODE}") == [{"status": "tested_negative"}]
    after = client.get(PAGE).text
    assert escaped(FR["episode.status_changed"]) in after and '<option value="tested_negative" selected>' in after


def test_a_status_the_api_refuses_is_shown_next_to_the_field(client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    answer = client.post(STATUS, data={"csrf_token": csrf_of(client.get(PAGE).text), "status": "recovered"})
    assert answer.headers["location"] == f"{PAGE}#episode-status"
    html = client.get(answer.headers["location"]).text
    assert 'aria-invalid="true" aria-describedby="ep-status-error"' in html
    assert ('<p class="field-error" id="ep-status-error">' + escaped(FR["refused.422"])
            + " (Input should be &#39;suspected&#39;, &#39;tested_positive&#39; or &#39;tested_negative&#39;)</p>"
            in html)
    assert gateway.sent("PATCH", f"/care-episodes/{EPISODE}") == [{"status": "recovered"}]
    assert "ep-status-error" not in client.get(PAGE).text  # said once


def test_closing_asks_for_a_confirmation_then_closes_and_a_closed_episode_changes_no_more(
        client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    csrf = csrf_of(client.get(PAGE).text)
    unconfirmed = client.post(CLOSE, data={"csrf_token": csrf})
    assert unconfirmed.headers["location"] == f"{PAGE}#episode-close"
    html = client.get(unconfirmed.headers["location"]).text
    assert f'<p class="field-error" id="ep-close-confirm-error">{escaped(FR["episode.close_unconfirmed"])}</p>' in html
    assert '<label for="ep-close-confirm">' in html
    assert gateway.posted(f"/care-episodes/{EPISODE}/close") == []
    closed = client.post(CLOSE, data={"csrf_token": csrf, "confirm": "yes"})
    assert closed.headers["location"] == PAGE
    assert gateway.posted(f"/care-episodes/{EPISODE}/close") == [None]  # no body
    html = client.get(PAGE).text
    assert escaped(FR["episode.closed"]) in html and FR["patient.episode.closed_on"] in html and "2026-12-02" in html
    assert f'action="{STATUS}"' not in html and f'action="{CLOSE}"' not in html  # nothing left to change
    # A colleague's page, loaded before: the API's 409 is said in French.
    refused = client.post(STATUS, data={"csrf_token": csrf, "status": "suspected"})
    assert escaped(FR["episode.refused.409"]) in client.get(refused.headers["location"]).text


def test_an_objective_status_is_sent_to_the_api_and_said_changed(client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    html = client.get(PAGE).text
    assert f'action="{OBJECTIVE_FORM}"' in html
    assert f'<label for="o-status-1">{escaped(FR["objective.status"])} « Marcher 10 min »</label>' in html
    answer = client.post(OBJECTIVE_FORM, data={"csrf_token": csrf_of(html), "status": "achieved", "episode": EPISODE})
    assert answer.status_code == 303 and answer.headers["location"] == PAGE
    assert gateway.sent("PATCH", f"/patients/{PATIENT}/objectives/{OBJECTIVE}") == [{"status": "achieved"}]
    assert escaped(FR["objective.status_changed"]) in client.get(PAGE).text


def test_an_objective_status_the_api_refuses_is_shown_next_to_its_field(client: TestClient) -> None:
    sign_in(client)
    csrf = csrf_of(client.get(PAGE).text)
    answer = client.post(OBJECTIVE_FORM, data={"csrf_token": csrf, "status": "done", "episode": EPISODE})
    assert answer.headers["location"] == f"{PAGE}#objective-{OBJECTIVE}"
    html = client.get(answer.headers["location"]).text
    assert f'id="objective-{OBJECTIVE}"' in html
    assert 'aria-describedby="o-status-1-error"' in html and '<p class="field-error" id="o-status-1-error">' in html
    assert "Input should be &#39;open&#39;, &#39;achieved&#39; or &#39;abandoned&#39;" in html


def test_status_changes_without_the_csrf_token_are_refused_and_nothing_is_sent(
        client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    for path, data in ((STATUS, {"status": "suspected"}), (CLOSE, {"confirm": "yes"}),
                       (OBJECTIVE_FORM, {"status": "achieved"})):
        for forged in ({}, {"csrf_token": "forged"}):
            answer = client.post(path, data={**data, **forged})
            assert answer.status_code == 403 and FR["form.csrf"] in answer.text
    assert [c for c in gateway.calls if c[0] in {"PATCH", "POST"} and c[1] != "/auth/token"] == []


def test_a_status_change_on_an_expired_session_goes_to_sign_in(client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    csrf = csrf_of(client.get(PAGE).text)
    gateway.expire_all()  # the API's 401 is no refusal to show: sign in again
    answer = client.post(STATUS, data={"csrf_token": csrf, "status": "suspected"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")
