"""The care circle from the web: a colleague found in the directory and added with a role, a member
removed; the API's refusals (403: the caller's role may not; 409: the last member) said in French
next to the form, never as a crash."""

from __future__ import annotations

from ecovid_web.catalogue import FR
from fastapi.testclient import TestClient
from web_fakes import DOCTOR, EPISODE, NURSE, PATIENT, STRUCTURE, FakeGateway, csrf_of, escaped, sign_in

PAGE = f"/patients/{PATIENT}?episode={EPISODE}"
CIRCLE = f"/patients/{PATIENT}/care-circle"
MEMBERS = f"/patients/{PATIENT}/care-circle/members"


def test_the_patient_page_names_each_member_in_french_with_a_labelled_removal(client: TestClient) -> None:
    sign_in(client)
    html = client.get(PAGE).text
    assert f"Anne Martin, {FR['profession.doctor']} — {FR['role.creator']}" in html
    assert f'action="{MEMBERS}/{DOCTOR}/remove"' in html
    assert f"{FR['circle.remove']} : Anne Martin</button>" in html
    assert f'href="{CIRCLE}?episode={EPISODE}">{FR["circle.manage"]}</a>' in html


def test_the_directory_search_sends_its_filters_and_offers_each_colleague_with_a_role(
        client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    html = client.get(f"{CIRCLE}?episode={EPISODE}").text
    assert "/directory/professionals" not in [c[1] for c in gateway.calls]  # nothing asked yet
    assert f'<option value="{STRUCTURE}">Cabinet des Tilleuls</option>' in html
    for control in ("c-name", "c-profession", "c-structure"):
        assert f'<label for="{control}">' in html and f'id="{control}"' in html
    html = client.get(f"{CIRCLE}?episode={EPISODE}&find=1&name=dur&profession=nurse&structure_id={STRUCTURE}").text
    assert gateway.sent("GET", "/directory/professionals")[-1] == {
        "name": "dur", "profession": "nurse", "structure_id": STRUCTURE}
    assert f"Anne Martin · {FR['profession.doctor']} · Cabinet des Tilleuls · ✓ {FR['circle.already']}" in html
    assert f'name="professional_id" value="{DOCTOR}"' not in html  # already in: no second addition
    assert f'name="professional_id" value="{NURSE}"' in html
    assert f'<label for="role-2">{FR["circle.role_of"]} Paul Durand</label>' in html
    assert '<option value="nurse" selected>' in html  # the role her profession suggests
    assert f"{FR['circle.add']} Paul Durand</button>" in html


def test_a_name_too_short_for_the_directory_is_said_next_to_the_field(client: TestClient) -> None:
    sign_in(client)
    html = client.get(f"{CIRCLE}?find=1&name=d").text
    assert 'aria-describedby="c-name-error"' in html
    assert '<p class="field-error" id="c-name-error">String should have at least 2 characters</p>' in html


def test_a_colleague_added_is_sent_with_the_role_chosen_and_said_added(
        client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    csrf = csrf_of(client.get(f"{CIRCLE}?find=1").text)
    answer = client.post(MEMBERS, data={"csrf_token": csrf, "professional_id": NURSE, "role": "nurse",
                                        "episode": EPISODE, "name": "dur"})
    assert answer.status_code == 303 and answer.headers["location"] == PAGE
    assert gateway.posted(MEMBERS) == [{"professional_id": NURSE, "role": "nurse"}]
    html = client.get(PAGE).text
    assert escaped(FR["circle.added"]) in html and f'action="{MEMBERS}/{NURSE}/remove"' in html


def test_an_addition_the_callers_role_may_not_make_is_said_in_french_next_to_the_role(
        client: TestClient, gateway: FakeGateway) -> None:
    gateway.circle_refusal = (403, {"detail": "adding a member takes the attending physician's or a coordinator's role",
                                    "errors": []})
    sign_in(client)
    csrf = csrf_of(client.get(f"{CIRCLE}?find=1").text)
    answer = client.post(MEMBERS, data={"csrf_token": csrf, "professional_id": NURSE, "role": "pharmacist",
                                        "episode": EPISODE, "name": "dur", "profession": "nurse"})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"{CIRCLE}?episode={EPISODE}&name=dur&profession=nurse&find=1#add-{NURSE}"
    html = client.get(answer.headers["location"]).text
    assert f'<p class="notice error" role="alert">{escaped(FR["circle.refused.403"])}</p>' in html
    assert 'aria-describedby="role-2-error"' in html and '<p class="field-error" id="role-2-error">' in html
    assert "Traceback" not in html
    assert gateway.posted(MEMBERS) == [{"professional_id": NURSE, "role": "pharmacist"}]


def test_removing_the_last_member_is_refused_in_french_next_to_her_button(
        client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    csrf = csrf_of(client.get(PAGE).text)
    answer = client.post(f"{MEMBERS}/{DOCTOR}/remove", data={"csrf_token": csrf, "episode": EPISODE})
    assert answer.headers["location"] == f"{PAGE}#remove-{DOCTOR}"
    assert gateway.sent("DELETE", f"{MEMBERS}/{DOCTOR}") == [None]
    html = client.get(answer.headers["location"]).text
    said = escaped(FR["circle.refused.409.remove"])
    assert f'<p class="field-error" id="remove-1-error">{said} (the last member of a care circle' in html
    assert '<button type="submit" class="secondary" aria-describedby="remove-1-error">' in html


def test_a_member_removed_is_said_and_leaving_oneself_goes_back_to_the_list(
        client: TestClient, gateway: FakeGateway) -> None:
    gateway.members.append({"professional_id": NURSE, "role": "nurse", "first_name": "Paul", "last_name": "Durand"})
    sign_in(client)
    csrf = csrf_of(client.get(PAGE).text)
    removed = client.post(f"{MEMBERS}/{NURSE}/remove", data={"csrf_token": csrf, "episode": EPISODE})
    assert removed.headers["location"] == PAGE and escaped(FR["circle.removed"]) in client.get(PAGE).text
    assert gateway.sent("DELETE", f"{MEMBERS}/{NURSE}") == [None]
    gateway.members.append({"professional_id": NURSE, "role": "attending_physician"})
    left = client.post(f"{MEMBERS}/{DOCTOR}/remove", data={"csrf_token": csrf})
    assert left.headers["location"] == "/monitoring?population=adults"  # her page is closed to her now
    assert escaped(FR["circle.left"]) in client.get(left.headers["location"]).text


def test_circle_changes_without_the_csrf_token_are_refused_and_nothing_is_sent(
        client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    for forged in ({}, {"csrf_token": "forged"}):
        added = client.post(MEMBERS, data={**forged, "professional_id": NURSE, "role": "nurse"})
        removed = client.post(f"{MEMBERS}/{DOCTOR}/remove", data=forged)
        assert added.status_code == removed.status_code == 403
    assert gateway.posted(MEMBERS) == [] and gateway.sent("DELETE", f"{MEMBERS}/{DOCTOR}") == []


def test_a_failure_of_the_api_that_is_no_refusal_is_the_error_page_not_a_crash(
        client: TestClient, gateway: FakeGateway) -> None:
    gateway.circle_refusal = (503, {"detail": "care-circle unavailable", "errors": []})
    sign_in(client)
    csrf = csrf_of(client.get(PAGE).text)
    answer = client.post(MEMBERS, data={"csrf_token": csrf, "professional_id": NURSE, "role": "nurse"})
    assert answer.status_code == 503 and FR["error.unavailable"] in answer.text and "Traceback" not in answer.text
