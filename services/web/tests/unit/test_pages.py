"""The pages on a fake gateway: sign-in, an expired session, escaping, the API's errors next to
their field, a reading posted once however often its form is sent, the alert actions."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from ecovid_web.catalogue import FR
from fastapi.testclient import TestClient
from web_fakes import ALERT, EPISODE, PATIENT, FakeGateway, csrf_of, form_token_of, sign_in

READING_PAGE = f"/patients/{PATIENT}/episodes/{EPISODE}/reading"


def test_a_professional_lands_on_the_adult_list_coloured_with_text_as_well(client: TestClient) -> None:
    sign_in(client)
    html = client.get("/monitoring?population=adults").text
    assert "Dupont" in html and 'class="row level-alert"' in html
    assert FR["level.alert"] in html and "‼" in html  # not the colour alone
    assert 'hx-get="/monitoring/rows?population=adults"' in html
    assert 'hx-trigger="sse:alert, sse:settled, every 20s"' in html
    assert 'sse-connect="/live"' in html


def test_the_list_passes_every_filter_to_the_api(client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    client.get("/monitoring?population=children&level=alert&symptom=cough&name=dup&commune=Paris&age_min=2"
               "&age_max=9&updated_after=2026-11-30&first_symptoms_from=2026-11-20")
    _, _, params = [c for c in gateway.calls if c[1] == "/monitoring/patients"][-1]
    assert params == {"population": "children", "limit": "50", "level": "alert", "symptom": "cough", "name": "dup",
                      "commune": "Paris", "age_min": "2", "age_max": "9", "updated_after": "2026-11-30T00:00:00+00:00",
                      "first_symptoms_from": "2026-11-20"}


def test_an_expired_session_goes_to_sign_in_and_back_to_the_page_asked_for(
        client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    asked = f"/patients/{PATIENT}?episode={EPISODE}"
    assert client.get(asked).status_code == 200
    gateway.expire_all()  # the API's token expired
    answer = client.get(asked)
    assert answer.status_code == 303
    target = urlsplit(answer.headers["location"])
    assert target.path == "/login" and parse_qs(target.query)["next"] == [asked]
    login = client.get(answer.headers["location"])
    assert FR["login.expired"] in login.text and f'name="next" value="{asked.replace("&", "&amp;")}"' in login.text
    back = client.post("/login", data={"csrf_token": csrf_of(login.text), "username": "anne.martin@example.org",
                                       "password": "bon mot de passe", "next": asked})
    assert back.status_code == 303 and back.headers["location"] == asked
    assert client.get(asked).status_code == 200


def test_a_live_update_of_an_expired_session_reloads_the_page_it_belongs_to(
        client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    gateway.expire_all()
    answer = client.get("/monitoring/rows?population=adults", headers={
        "HX-Request": "true", "HX-Current-URL": "http://127.0.0.1:8080/monitoring?population=adults"})
    assert answer.status_code == 200
    assert answer.headers["hx-redirect"] == "/login?next=%2Fmonitoring%3Fpopulation%3Dadults&expired=1"


def test_a_page_of_a_role_asks_an_anonymous_visitor_to_sign_in(client: TestClient) -> None:
    answer = client.get("/alerts")
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=%2Falerts"


def test_nothing_from_the_api_is_rendered_unescaped(client: TestClient, gateway: FakeGateway) -> None:
    gateway.names = {"last_name": "<script>alert(1)</script>", "first_name": '"><img src=x onerror=alert(2)>'}
    sign_in(client)
    for path in ("/monitoring?population=adults", f"/patients/{PATIENT}?episode={EPISODE}"):
        html = client.get(path).text
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_api_error_is_shown_next_to_the_field_it_names(client: TestClient, gateway: FakeGateway) -> None:
    gateway.reading_refusal = {"detail": "temperature: Input should be less than or equal to 45.0",
                               "errors": [{"field": "temperature", "message": "Input should be <= 45.0"}]}
    sign_in(client)
    form = client.get(READING_PAGE).text
    answer = client.post(READING_PAGE, data={"csrf_token": csrf_of(form), "form_token": form_token_of(form),
                                             "temperature": "47", "taken_at": "2026-12-01T09:00"})
    assert answer.status_code == 422
    html = answer.text
    field = html.index('id="temperature"')
    message = html.index('<p class="field-error" id="temperature-error">Input should be &lt;= 45.0</p>')
    assert field < message < html.index('id="heart_rate"')  # right after its field, before the next
    assert 'aria-describedby="temperature-error"' in html[field - 300:message]
    assert 'value="47"' in html  # what was typed is kept


def test_a_reading_submitted_twice_is_posted_once(client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    form = client.get(READING_PAGE).text
    data = {"csrf_token": csrf_of(form), "form_token": form_token_of(form), "temperature": "40,2", "spo2": "91",
            "cough": "yes", "dyspnea": "rest", "taken_at": "2026-12-01T09:00"}
    first = client.post(READING_PAGE, data=data)
    second = client.post(READING_PAGE, data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    posted = gateway.posted(f"/care-episodes/{EPISODE}/readings")
    assert len(posted) == 1
    assert posted[0]["temperature"] == 40.2 and posted[0]["cough"] is True and posted[0]["dyspnea"] == "rest"
    assert posted[0]["taken_at"] == "2026-12-01T09:00:00+01:00"  # typed in Paris time
    page = client.get(first.headers["location"]).text
    assert 'id="answer"' in page and FR["level.alert"] in page


def test_a_form_token_never_handed_out_posts_nothing(client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    form = client.get(READING_PAGE).text
    answer = client.post(READING_PAGE, data={"csrf_token": csrf_of(form), "form_token": "made-up", "spo2": "91"})
    assert answer.status_code == 409 and FR["form.expired"] in answer.text
    assert gateway.posted(f"/care-episodes/{EPISODE}/readings") == []


def test_the_patient_sees_call_15_on_a_red_answer(client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client, username="patient@example.org")
    form = client.get("/me/reading").text
    answer = client.post("/me/reading", data={"csrf_token": csrf_of(form), "form_token": form_token_of(form),
                                              "temperature": "40.5"})
    assert answer.status_code == 303
    html = client.get(answer.headers["location"]).text
    assert FR["reading.call_15"] in html and 'href="tel:15"' in html
    assert len(gateway.posted("/me/readings")) == 1
    assert "40.1" in client.get("/me/history").text


def test_a_patient_cannot_open_the_professional_screens(client: TestClient) -> None:
    sign_in(client, username="patient@example.org")
    assert client.get("/monitoring?population=adults").status_code == 303


def test_acknowledge_and_resolve_go_to_the_api_with_the_reason(client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    inbox = client.get("/alerts").text
    assert "Dupont" in inbox and 'hx-trigger="sse:alert, sse:settled, every 20s"' in inbox
    csrf = csrf_of(inbox)
    assert client.post(f"/alerts/{ALERT}/acknowledge", data={"csrf_token": csrf}).status_code == 303
    # The fake's list still says "raised" (the list lags): the inbox shows the state the action answered.
    assert 'data-status="acknowledged"' in client.get("/alerts").text
    assert client.post(f"/alerts/{ALERT}/resolve", data={"csrf_token": csrf, "reason": "false_alarm",
                                                         "note": ""}).status_code == 303
    assert f'data-alert="{ALERT}"' not in client.get("/alerts").text  # resolved: no longer among the open
    assert gateway.posted(f"/alerts/{ALERT}/acknowledge") == [None]
    assert gateway.posted(f"/alerts/{ALERT}/resolve") == [{"reason": "false_alarm"}]


def test_an_activation_refused_shows_the_api_message_escaped(client: TestClient) -> None:
    page = client.get("/portal/activate?token=abcdefghijkl").text
    answer = client.post("/portal/activate", data={"csrf_token": csrf_of(page), "token": "abcdefghijkl",
                                                   "password": "un mot de passe long"})
    assert answer.status_code == 410
    assert "invitation &lt;b&gt;expired&lt;/b&gt;" in answer.text


def test_wrong_password_is_said_in_french(client: TestClient) -> None:
    page = client.get("/login").text
    answer = client.post("/login", data={"csrf_token": csrf_of(page), "username": "a@example.org",
                                         "password": "faux"})
    assert answer.status_code == 401 and FR["login.refused"].replace("'", "&#39;") in answer.text


def test_logout_forgets_the_session(client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    inbox = client.get("/alerts").text
    assert client.post("/logout", data={"csrf_token": csrf_of(inbox)}).status_code == 303
    assert gateway.posted("/auth/logout") == [{"refresh_token": "r" * 30}]
    assert client.get("/alerts").status_code == 303


def test_health_is_ready_when_the_gateway_is(client: TestClient) -> None:
    assert client.get("/health").status_code == 200


def test_the_second_factor_when_the_api_asks_for_it(client: TestClient, gateway: FakeGateway) -> None:
    page = client.get("/login?next=/alerts").text
    asked = client.post("/login", data={"csrf_token": csrf_of(page), "username": "mfa-doctor@example.org",
                                        "password": "bon mot de passe", "next": "/alerts"})
    assert asked.status_code == 200 and 'name="code"' in asked.text
    wrong = client.post("/login/mfa", data={"csrf_token": csrf_of(asked.text), "code": "000000", "next": "/alerts"})
    assert wrong.status_code == 401 and FR["mfa.refused"] in wrong.text
    right = client.post("/login/mfa", data={"csrf_token": csrf_of(asked.text), "code": "123456", "next": "/alerts"})
    assert right.status_code == 303 and right.headers["location"] == "/alerts"
    assert client.get("/alerts").status_code == 200


def test_the_inbox_asks_the_lists_for_names_only_for_a_patient_it_does_not_know(
        client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    for _ in range(3):
        assert "Dupont" in client.get("/alerts/rows", headers={"HX-Request": "true"}).text
    assert len([c for c in gateway.calls if c[1] == "/monitoring/patients"]) == 2  # adults, children once


def test_sessions_are_bounded_oldest_forgotten_first() -> None:
    from ecovid_web.sessions import Sessions

    sessions = Sessions(most=3)
    first, *rest = [sessions.new() for _ in range(4)]
    assert sessions.get(first.id) is None and all(sessions.get(s.id) is s for s in rest)


def test_the_alert_feed_is_relayed_as_bare_changes(client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    relayed = client.get("/live").text
    assert relayed == ("retry: 3000\n\n" + "event: alert\ndata: changed\n\n" * 2
                       + "event: settled\ndata: changed\n\n")  # the rows fetched once more after a burst
    assert "SpO2" not in relayed  # what changed is read through the API, not from the feed
    stream_calls = [c for c in gateway.calls if c[1] == "/alerts/stream"]
    assert len(stream_calls) == 1


def test_the_alert_feed_of_an_expired_session_ends(client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    gateway.expire_all()
    assert client.get("/live").text == "retry: 3000\n\n"
