"""What each public route asks of which service, and how the services' answers come back.

Break: `_send` without the caller's X-Actor-* headers -> the first test fails.
Break: a service's 4xx answered as 502 -> test_a_services_refusal_is_passed_on_as_it_came fails.
"""

from __future__ import annotations

import uuid

from conftest import ADMIN_EMAIL, ADMIN_PASSWORD, World
from fake_platform import BIRTH_DATE


def test_a_call_carries_the_caller_the_token_and_the_correlation_id(world: World) -> None:
    member = world.caller(member=True)
    headers = {**member.headers, "X-Correlation-ID": "corr-42"}
    response = world.client.get(f"/api/v1/patients/{world.patient}/notes", headers=headers)
    assert response.status_code == 200 and response.headers["x-correlation-id"] == "corr-42"
    call = world.platform.calls_to("dossier")[-1]
    assert (call.method, call.path) == ("GET", f"/patients/{world.patient}/notes")
    assert call.headers["x-actor-kind"] == "professional"
    assert call.headers["x-actor-id"] == str(member.principal.subject_id)
    assert call.headers["x-internal-token"] == "development-internal-token"
    assert call.headers["x-correlation-id"] == "corr-42"
    assert world.accesses()[0].trace["correlation_id"] == "corr-42"


def test_a_services_refusal_is_passed_on_as_it_came(world: World) -> None:
    member = world.caller(member=True)
    path = f"/patients/{world.patient}/notes"
    refusal = {"detail": "text: too long", "errors": [{"field": "text", "message": "too long"}]}
    world.platform.replies[("dossier", "POST", path)] = (422, refusal)
    response = world.client.post(f"/api/v1{path}", headers=member.headers, json={"text": "x"})
    assert (response.status_code, response.json()) == (422, refusal)
    world.platform.replies[("dossier", "POST", path)] = (409, b"not json")
    response = world.client.post(f"/api/v1{path}", headers=member.headers, json={"text": "x"})
    assert (response.status_code, response.json()) == (409, {"detail": "not json", "errors": []})


def test_a_failing_service_is_a_502_without_its_details(world: World) -> None:
    member = world.caller(member=True)
    world.platform.down.add("dossier")
    response = world.client.get(f"/api/v1/patients/{world.patient}", headers=member.headers)
    assert (response.status_code, response.json()) == (502, {"detail": "dossier failed", "errors": []})


def test_the_record_keeps_repeated_filters_and_the_body(world: World) -> None:
    member = world.caller(member=True)
    response = world.client.get(
        f"/api/v1/patients/{world.patient}/timeline", headers=member.headers,
        params=[("kind", "NoteShared"), ("kind", "ReadingRecorded"), ("from", "2026-01-01T00:00:00+01:00")],
    )
    assert response.json()["query"] == [
        ["kind", "NoteShared"], ["kind", "ReadingRecorded"], ["from", "2026-01-01T00:00:00+01:00"]]
    body = {"entries": [{"substance": "pénicilline"}]}
    response = world.client.put(f"/api/v1/patients/{world.patient}/allergies", headers=member.headers, json=body)
    assert (response.json()["method"], response.json()["json"]) == ("PUT", body)


def test_an_episode_route_passes_status_and_body_on(world: World) -> None:
    member = world.caller(member=True)
    episode = str(uuid.uuid4())
    world.platform.episodes[episode] = world.patient
    reading = {"taken_at": "2026-11-30T08:00:00Z", "spo2": 91}
    world.platform.replies[("monitor", "POST", f"/episodes/{episode}/readings")] = (
        201, {"id": "r1", "overall_level": "alert"})
    response = world.client.post(f"/api/v1/care-episodes/{episode}/readings", headers=member.headers, json=reading)
    assert (response.status_code, response.json()) == (201, {"id": "r1", "overall_level": "alert"})
    assert world.platform.calls_to("monitor")[-1].json() == reading


def test_registering_a_patient_puts_the_creator_in_the_circle(world: World) -> None:
    doctor = world.caller()
    body = {"last_name": "Lefebvre", "first_name": "Marc", "birth_date": "1950-03-02", "sex": "male",
            "commune": "Lille", "phone": "06 12 34 56 78"}
    response = world.client.post("/api/v1/patients", headers=doctor.headers, json=body,
                                 params={"confirm_homonym": "true"})
    assert response.status_code == 201
    created = response.json()["id"]
    registration = world.platform.calls_to("dossier")[-1]
    assert (registration.json(), registration.query) == (body, [("confirm_homonym", "true")])
    assert world.platform.circles[created] == {str(doctor.principal.subject_id)}
    assert world.client.get(f"/api/v1/patients/{created}", headers=doctor.headers).status_code == 200


def test_searching_passes_the_query_on(world: World) -> None:
    doctor = world.caller()
    response = world.client.get("/api/v1/patients", headers=doctor.headers,
                                params={"last_name": "Dup", "first_name": "Hélo"})
    assert response.json()["query"] == [["last_name", "Dup"], ["first_name", "Hélo"], ["limit", "20"]]
    short = world.client.get("/api/v1/patients", headers=doctor.headers,
                             params={"last_name": "Du", "first_name": "Hél"})
    assert short.status_code == 422 and [e["field"] for e in short.json()["errors"]] == ["last_name"]
    assert len(world.platform.calls_to("dossier")) == 1


def test_enrolling_needs_a_known_structure_and_gives_the_birth_date(world: World) -> None:
    member = world.caller(member=True)
    enrol = f"/api/v1/patients/{world.patient}/care-episodes"
    episode = {"started_on": "2026-11-28", "status": "suspected"}
    unknown = str(uuid.uuid4())
    response = world.client.post(enrol, headers=member.headers, json={**episode, "structure_id": unknown})
    # 404 (a schema-valid body naming a missing resource), as schemathesis expects: a 422 was
    # a positive_data_acceptance failure. break: 422 again -> fails.
    assert response.status_code == 404
    assert response.json()["errors"] == [{"field": "structure_id", "message": f"structure {unknown} not found"}]
    for structure in ("not-a-uuid", None):  # refused by the body's model, before any service
        response = world.client.post(enrol, headers=member.headers, json={**episode, "structure_id": structure})
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["structure_id"]
    elsewhere = str(uuid.uuid4())
    world.platform.structures.add(elsewhere)
    response = world.client.post(enrol, headers=member.headers, json={**episode, "structure_id": elsewhere})
    assert response.status_code == 403  # a structure the caller does not belong to
    assert response.json()["errors"][0]["field"] == "structure_id"
    response = world.client.post(enrol, headers=member.headers, json={**episode, "structure_id": world.structure})
    assert response.status_code == 201
    command = world.platform.calls_to("monitor")[-1].json()
    assert command == {**episode, "structure_id": world.structure,
                       "patient_id": world.patient, "birth_date": BIRTH_DATE}


def test_the_caller_s_own_alerts_are_only_of_their_circles_patients(world: World) -> None:
    """Alerting's recipients lag the circles (Kafka): the gateway keeps only the alerts of
    patients whose circle includes the caller now, and audits each one shown.

    Break: the alerts route returning alerting's answer unfiltered -> the foreign alert shows, fails.
    """
    doctor = world.caller(member=True)
    foreign = str(uuid.uuid4())
    world.platform.alerts.update({"a-mine": world.patient, "a-foreign": foreign})
    response = world.client.get("/api/v1/alerts", headers=doctor.headers, params={"status": "raised"})
    assert [a["id"] for a in response.json()] == ["a-mine"]
    me = str(doctor.principal.subject_id)
    assert dict(map(tuple, response.json()[0]["query"])) == {
        "limit": "100", "offset": "0", "status": "raised", "recipient": me, "reader": me}
    assert [(str(a.patient_id), a.route) for a in world.accesses()] == [(world.patient, "/api/v1/alerts")]


def test_a_document_s_content_keeps_only_its_own_headers(world: World) -> None:
    member = world.caller(member=True)
    document = str(uuid.uuid4())
    world.platform.documents[document] = world.patient
    response = world.client.get(f"/api/v1/documents/{document}/content", headers=member.headers)
    assert response.content == b"%PDF-1.4 fake"
    assert (response.headers["content-type"], response.headers["etag"]) == ("application/pdf", '"abc"')
    assert "x-internal" not in response.headers


def test_an_upload_is_forwarded_as_bytes_with_its_description(world: World) -> None:
    member = world.caller(member=True)
    response = world.client.post(
        f"/api/v1/patients/{world.patient}/documents", headers=member.headers,
        files={"file": ("cr.pdf", b"%PDF bytes", "application/pdf")}, data={"title": "CR", "kind": "report"},
    )
    assert response.status_code == 201
    upload = world.platform.calls_to("documents")[-1]
    assert upload.body == b"%PDF bytes" and upload.headers["content-type"] == "application/octet-stream"
    assert dict(upload.query) == {"title": "CR", "kind": "report", "media_type": "application/pdf",
                                  "filename": "cr.pdf"}


def test_the_monitoring_list_is_the_caller_s_circles(world: World) -> None:
    """A professional of the structure outside the circle sees nobody; a member sees the patient;
    each row shown is an audited access.

    Break: the list asked by structure for every professional (as before) -> the outsider
    sees the patient, fails.
    """
    world.platform.monitored[world.patient] = world.structure
    member, outsider = world.caller(member=True), world.caller()
    params = {"population": "adults", "level": "alert", "updated_after": "2026-11-01T00:00:00+00:00",
              "first_symptoms_from": "2026-11-01"}
    response = world.client.get("/api/v1/monitoring/patients", headers=member.headers, params=params)
    assert [r["patient_id"] for r in response.json()["rows"]] == [world.patient]
    asked = world.platform.calls_to("monitor")[-1]
    assert asked.path == "/monitoring/patients/visible" and asked.json() == {"patient_ids": [world.patient]}
    # The filters as the gateway validated them (a moment in UTC, "Z").
    assert dict(asked.query) == {**params, "updated_after": "2026-11-01T00:00:00Z", "limit": "50", "offset": "0"}
    assert [str(a.patient_id) for a in world.accesses()] == [world.patient]
    response = world.client.get("/api/v1/monitoring/patients", headers=outsider.headers, params=params)
    assert response.json()["rows"] == [] and response.json()["total"] == 0
    admin = world.caller("admin")
    response = world.client.get("/api/v1/monitoring/patients?population=adults", headers=admin.headers)
    assert response.status_code == 403
    response = world.client.get("/api/v1/monitoring/patients?population=elderly", headers=member.headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "population"


def test_a_coordinator_sees_the_structure_s_enrolled_patients_audited(world: World) -> None:
    """Break: Scope.coordinator_of never set -> the coordinator sees nobody, fails."""
    world.platform.monitored[world.patient] = world.structure
    world.platform.monitored[str(uuid.uuid4())] = str(uuid.uuid4())  # another structure's
    coordinator = world.caller()
    pid = str(coordinator.principal.subject_id)
    world.platform.professions[pid], world.platform.professional_structures[pid] = "coordinator", world.structure
    response = world.client.get("/api/v1/monitoring/patients?population=adults", headers=coordinator.headers)
    assert [r["patient_id"] for r in response.json()["rows"]] == [world.patient]
    assert dict(world.platform.calls_to("monitor")[-1].query)["structure_id"] == world.structure
    assert [(str(a.patient_id), a.granted) for a in world.accesses()] == [(world.patient, True)]


def test_the_admin_tries_a_rule_set_and_only_the_admin(world: World) -> None:
    admin, doctor = world.caller("admin"), world.caller()
    candidate = {"rule_set": "version: x"}
    assert world.client.post("/api/v1/rule-sets/dry-run", headers=doctor.headers, json=candidate).status_code == 403
    response = world.client.post("/api/v1/rule-sets/dry-run", headers=admin.headers, json=candidate)
    assert response.json()["json"] == candidate and response.json()["path"] == "/rule-sets/dry-run"
    bad = world.client.post("/api/v1/rule-sets/dry-run", headers=admin.headers, json={"rules": 1})
    assert bad.status_code == 422


def test_the_admin_builds_the_directory_and_a_new_professional_signs_in(world: World) -> None:
    admin = world.client.post("/api/v1/auth/token", json={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert admin.status_code == 200 and admin.json()["token_type"] == "bearer"
    headers = {"Authorization": f"Bearer {admin.json()['access_token']}"}
    structure = world.client.post("/api/v1/structures", headers=headers, json={"name": "MSP", "kind": "practice"})
    assert structure.status_code == 201 and world.platform.calls_to("care-circle")[-1].json()["name"] == "MSP"
    email = f"pro-{uuid.uuid4().hex[:6]}@example.org"
    body = {"email": email, "password": "correct horse battery", "first_name": "Jean", "last_name": "Valjean",
            "profession": "nurse", "structure_id": world.structure}
    created = world.client.post("/api/v1/professionals", headers=headers, json=body)
    assert created.status_code == 201
    assert "password" not in world.platform.calls_to("care-circle")[-1].json()
    token = world.client.post("/api/v1/auth/token", json={"username": email, "password": "correct horse battery"})
    assert world.gateway.tokens.verify(token.json()["access_token"]).subject_id == uuid.UUID(created.json()["id"])
    again = world.client.post("/api/v1/professionals", headers=headers, json=body)
    assert again.status_code == 409
    assert again.json()["errors"] == [{"field": "email", "message": again.json()["detail"]}]
    short = world.client.post("/api/v1/professionals", headers=headers, json={**body, "password": "short"})
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "password"


def test_signing_in_refuses_a_wrong_password_an_unknown_account_and_extra_fields(world: World) -> None:
    for credentials in ({"username": ADMIN_EMAIL, "password": "wrong"},
                        {"username": "nobody@example.org", "password": ADMIN_PASSWORD}):
        response = world.client.post("/api/v1/auth/token", json=credentials)
        assert (response.status_code, response.json()["detail"]) == (401, "wrong username or password")
    extra = world.client.post("/api/v1/auth/token", json={"username": ADMIN_EMAIL, "password": "x", "role": "admin"})
    assert extra.status_code == 422


def test_directory_routes_refuse_professionals(world: World) -> None:
    doctor = world.caller()
    response = world.client.post("/api/v1/structures", headers=doctor.headers, json={"name": "x"})
    assert (response.status_code, response.json()["detail"]) == (403, "this needs an administrator")
    admin = world.caller("admin")
    response = world.client.post("/api/v1/patients", headers=admin.headers, json={})
    assert (response.status_code, response.json()["detail"]) == (403, "this needs a professional account")
    assert world.platform.calls == []


def test_the_directory_is_for_professionals_and_passes_its_filters(world: World) -> None:
    doctor, patient = world.caller(), world.caller("patient")
    found = world.client.get("/api/v1/directory/professionals", headers=doctor.headers,
                             params={"name": "dur", "profession": "nurse", "structure_id": world.structure})
    assert dict(map(tuple, found.json()["query"])) == {
        "name": "dur", "profession": "nurse", "structure_id": world.structure, "limit": "50", "offset": "0"}
    assert world.client.get("/api/v1/structures", headers=doctor.headers).json() == [{"id": world.structure}]
    assert world.client.get("/api/v1/structures", headers=patient.headers).status_code == 403
    assert world.client.get("/api/v1/directory/professionals", headers=patient.headers).status_code == 403
    bad = world.client.get("/api/v1/directory/professionals", headers=doctor.headers, params={"profession": "chef"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "profession"
