"""The audit read model and its exports: what the gateway's accesses become for an auditor
(JSON pages, CSV, FHIR R4 AuditEvent with the IHE BALP fields) and for the patient."""

from __future__ import annotations

import csv
import io
import uuid

from conftest import World

from ecovid_platform.projector import apply_in_runs

from gateway import audit_log
from gateway.integration import translate


def project(world: World) -> None:
    """What the local projector does, on this test's accesses."""
    notifications = world.gateway.app.recorder.select_notifications(world.first_notification + 1, 10_000)
    events = [e for n in notifications for e in translate(world.gateway.app.mapper.to_domain_event(n))]
    with world.gateway.storage.transaction() as session:
        apply_in_runs(session, audit_log.projection.handlers, events)


def auditor(world: World) -> dict[str, str]:
    email = f"audit-{uuid.uuid4().hex[:6]}@example.org"
    admin = world.caller("admin")
    created = world.client.post("/api/v1/auditors", headers=admin.headers,
                                json={"email": email, "password": "an auditor's password"})
    assert created.status_code == 201, created.text
    token = world.client.post("/api/v1/auth/token", json={"username": email, "password": "an auditor's password"})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def test_every_access_is_one_record_searchable_and_exported(world: World) -> None:
    """Break: `_apply_many` inserting nothing -> the auditor's page is empty, fails;
    break: the FHIR outcome always "0" -> the refused access reads as a success, fails."""
    member, outsider = world.caller(member=True), world.caller()
    path = f"/api/v1/patients/{world.patient}"
    assert world.client.get(path, headers=member.headers).status_code == 200
    assert world.client.get(path, headers=outsider.headers).status_code == 403
    project(world)
    headers = auditor(world)
    page = world.client.get("/api/v1/audit/access", headers=headers, params={"patient_id": world.patient}).json()
    assert page["total"] == 2
    got = [(r["actor_id"], r["granted"], r["route"]) for r in page["records"]]
    assert got == [(str(member.principal.subject_id), True, path), (str(outsider.principal.subject_id), False, path)]
    assert all(r["address"] == "testclient" for r in page["records"])
    mine = world.client.get("/api/v1/audit/access", headers=headers,
                            params={"actor_id": str(outsider.principal.subject_id)}).json()
    assert [r["granted"] for r in mine["records"]] == [False]

    exported = world.client.get("/api/v1/audit/access", headers=headers,
                                params={"patient_id": world.patient, "format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["actor_id"], r["granted"]) for r in rows] == [(str(member.principal.subject_id), "True"),
                                                             (str(outsider.principal.subject_id), "False")]
    bundle = world.client.get("/api/v1/audit/access", headers=headers,
                              params={"patient_id": world.patient, "format": "fhir"}).json()
    assert bundle["resourceType"] == "Bundle" and bundle["total"] == 2
    granted, refused = (entry["resource"] for entry in bundle["entry"])
    assert granted["resourceType"] == "AuditEvent" and granted["action"] == "R"
    assert (granted["outcome"], refused["outcome"]) == ("0", "4")
    assert granted["entity"][0]["what"]["reference"] == f"Patient/{world.patient}"
    agent = granted["agent"][0]
    assert agent["who"]["identifier"]["value"] == str(member.principal.subject_id)
    assert agent["role"] == [{"text": "professional"}] and agent["network"]["address"] == "testclient"
    assert "null" not in exported.text and None not in _values(granted)


def test_only_an_auditor_reads_the_trail(world: World) -> None:
    for role in ("professional", "admin", "patient"):
        caller = world.caller(role)
        assert world.client.get("/api/v1/audit/access", headers=caller.headers).status_code == 403
    assert world.client.get("/api/v1/audit/access").status_code == 401


def test_a_patient_reads_who_opened_their_own_record(world: World) -> None:
    """Break: /me/access-log searching without the patient's id -> another patient's access shows, fails.
    Break: without its `actor_kind="professional"` -> another patient's refused try shows, naming
    them (their patient id), fails."""
    member = world.caller(member=True)
    world.client.get(f"/api/v1/patients/{world.patient}", headers=member.headers)
    another_patient = world.caller("patient")
    assert world.client.get(f"/api/v1/patients/{world.patient}", headers=another_patient.headers).status_code == 403
    other = str(uuid.uuid4())
    world.platform.circles.setdefault(other, set()).add(str(member.principal.subject_id))
    world.client.get(f"/api/v1/patients/{other}", headers=member.headers)
    project(world)
    from gateway.security import Principal

    me = Principal(uuid.UUID(world.patient), "patient", None)
    headers = {"Authorization": f"Bearer {world.gateway.tokens.issue(me)}"}
    log = world.client.get("/api/v1/me/access-log", headers=headers).json()
    assert [(r["actor_id"], r["actor_kind"]) for r in log["records"]] == [
        (str(member.principal.subject_id), "professional")]
    assert world.client.get("/api/v1/me/access-log", headers=member.headers).status_code == 403


def test_a_formula_in_a_cell_is_kept_as_text() -> None:
    text = audit_log.as_csv([{"id": "1", "route": "=HYPERLINK(1)", "granted": True}])
    assert "'=HYPERLINK(1)" in text


def _values(document: object) -> list[object]:
    if isinstance(document, dict):
        return [v for value in document.values() for v in [value, *_values(value)]]
    if isinstance(document, list):
        return [v for value in document for v in [value, *_values(value)]]
    return []
