"""Who sees which patient, on the real broker and PostgreSQL: the monitoring list and the
alert list hold only the caller's circles' patients, a removal counts at once (no waiting),
a coordinator sees the structure's enrolled patients (audited), an emergency access opens
the record and is published and audited; sign-in throttling, refresh, logout, deactivation.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import jwt
import orjson
import pytest

from ecovid_events import topics

from ecovid_stack.stack import Stack

from tests.integration.kafka_tools import read_all
from tests.integration.support import ALARMING, PASSWORD, Api, auditor_account, eventually, now_iso

_EMAILS: dict[str, str] = {}  # professional id -> e-mail, to sign in again


def _professional(admin: Api, gateway: str, structure: str, profession: str = "doctor") -> tuple[str, Api]:
    email = f"pro-{uuid.uuid4().hex[:8]}@example.org"
    created = admin.ok("POST", "/professionals", 201, json={
        "email": email, "password": PASSWORD, "first_name": "Inès", "last_name": "Roux",
        "profession": profession, "structure_id": structure})
    _EMAILS[str(created["id"])] = email
    return str(created["id"]), Api.login(gateway, email, PASSWORD)


def _listed(api: Api) -> set[str]:
    rows = api.ok("GET", "/monitoring/patients", params={"population": "adults", "limit": 200})["rows"]
    return {row["patient_id"] for row in rows}


def _alerted(api: Api) -> set[str]:
    return {alert["patient_id"] for alert in api.ok("GET", "/alerts", params={"limit": 500})}


def _events(stack: Stack, topic: str) -> list[dict[str, Any]]:
    return [orjson.loads(r.value) for r in read_all(stack.kafka_bootstrap, topic, idle_ms=500)]


@pytest.fixture(scope="module")
def circle(pg_stack: Stack, pg_admin: Api) -> dict[str, Any]:
    gateway = pg_stack.url("gateway")
    structure = pg_admin.structure("Maison des cercles")
    _, doctor = _professional(pg_admin, gateway, structure)
    nurse_id, nurse = _professional(pg_admin, gateway, structure, "nurse")
    _, outsider = _professional(pg_admin, gateway, structure)
    patient = doctor.patient("Cercle")
    episode = doctor.episode(patient, structure)
    doctor.ok("POST", f"/patients/{patient}/care-circle/members", 201,
              json={"professional_id": nurse_id, "role": "nurse"})
    doctor.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(), **ALARMING})
    eventually(lambda: patient in _listed(doctor) and patient in _alerted(nurse), timeout=30)
    return {"structure": structure, "doctor": doctor, "nurse": nurse, "nurse_id": nurse_id,
            "outsider": outsider, "patient": patient, "gateway": gateway}


def test_a_professional_of_the_structure_outside_the_circle_sees_nobody(circle: dict[str, Any]) -> None:
    """As measured in the issue: name, age and levels in the list while the record answered 403.

    Break (not re-run on this stack): the monitoring route asking the structure's list for everyone (as before)
    -> the outsider's list holds the patient, fails.
    """
    outsider, patient = circle["outsider"], circle["patient"]
    outsider.ok("GET", f"/patients/{patient}", 403)
    assert patient not in _listed(outsider)
    assert patient not in _alerted(outsider)
    page = outsider.ok("GET", "/monitoring/patients", params={"population": "adults", "name": "Cercle"})
    assert page["total"] == 0 and page["rows"] == []


def test_a_removed_member_loses_lists_alerts_and_record_at_once(circle: dict[str, Any]) -> None:
    """No polling: right after the DELETE answers, the nurse's list, alerts and the record
    say nothing of the patient (the issue measured about 2 s of alerts).

    Break (not re-run on this stack): the alerts route returning alerting's answer unfiltered -> the nurse still sees
    the alert (alerting's recipients follow the circles through Kafka), fails.
    """
    doctor, nurse, patient = circle["doctor"], circle["nurse"], circle["patient"]
    assert patient in _listed(nurse) and patient in _alerted(nurse)
    nurse.ok("GET", f"/patients/{patient}")  # a grant now cached by the gateway
    doctor.ok("DELETE", f"/patients/{patient}/care-circle/members/{circle['nurse_id']}", 204)
    assert patient not in _alerted(nurse)
    assert patient not in _listed(nurse)
    nurse.ok("GET", f"/patients/{patient}", 403)
    nurse.ok("GET", "/alerts", 403, params={"patient_id": patient})


def test_circle_rules_through_the_api(circle: dict[str, Any], pg_admin: Api) -> None:
    """A non-member cannot add themselves (403); a role outside the list, an id or a patient in
    the body is refused (422); the last member cannot leave (409)."""
    doctor, outsider, patient = circle["doctor"], circle["outsider"], circle["patient"]
    me = str(_subject(outsider))
    outsider.ok("POST", f"/patients/{patient}/care-circle/members", 403, json={"professional_id": me, "role": "nurse"})
    for body in ({"professional_id": me, "role": "creator"}, {"professional_id": me, "role": "nurse", "id": me},
                 {"professional_id": me, "role": "nurse", "patient_id": patient}):
        doctor.ok("POST", f"/patients/{patient}/care-circle/members", 422, json=body)
    members = doctor.ok("GET", f"/patients/{patient}/care-circle/members")
    assert me not in {m["professional_id"] for m in members}
    # The last member: a patient of the doctor's alone (the module's patient has a nurse until
    # the removal test runs, in whatever order the tests are shuffled).
    alone = doctor.patient("Seul")
    [creator] = eventually(lambda: doctor.ok("GET", f"/patients/{alone}/care-circle/members"))
    assert creator["role"] == "creator"
    doctor.ok("DELETE", f"/patients/{alone}/care-circle/members/{creator['professional_id']}", 409)


def test_a_coordinator_sees_the_structure_s_patients_and_it_is_audited(
    pg_stack: Stack, pg_admin: Api, circle: dict[str, Any],
) -> None:
    """Break (not re-run on this stack): Scope.coordinator_of never set -> the coordinator's list is empty, fails."""
    coordinator_id, coordinator = _professional(pg_admin, circle["gateway"], circle["structure"], "coordinator")
    assert circle["patient"] in _listed(coordinator)

    def audited() -> bool:
        return any(e["actor"]["id"] == coordinator_id and e["patient_id"] == circle["patient"]
                   and e["payload"]["route"] == "/api/v1/monitoring/patients"
                   for e in _events(pg_stack, topics.GATEWAY_AUDIT))

    eventually(audited, timeout=30, interval=0.5)


def test_an_emergency_access_opens_the_record_is_published_and_audited(
    pg_stack: Stack, pg_admin: Api, circle: dict[str, Any],
) -> None:
    """Break (not re-run on this stack): care-circle's /access ignoring emergency accesses
    -> the record stays 403, fails. Break (seen failing): alerting's consumer without its
    EmergencyAccessDeclared handler -> the circle's doctor never sees the alert."""
    other_structure = pg_admin.structure("SAMU 93")
    urgentist_id, urgentist = _professional(pg_admin, circle["gateway"], other_structure)
    patient = circle["patient"]
    urgentist.ok("GET", f"/patients/{patient}", 403)
    urgentist.ok("POST", f"/patients/{patient}/emergency-access", 422, json={})
    pg_admin.ok("POST", f"/patients/{patient}/emergency-access", 403, json={"reason": "une raison assez longue"})
    reason = "détresse respiratoire, appel du centre 15"
    granted = urgentist.ok("POST", f"/patients/{patient}/emergency-access", 201, json={"reason": reason})
    assert granted["expires_at"]
    urgentist.ok("GET", f"/patients/{patient}")
    assert patient in _listed(urgentist)

    def declared() -> list[dict[str, Any]]:
        return [e for e in _events(pg_stack, topics.CARE_CIRCLE)
                if e["event_type"] == "EmergencyAccessDeclared" and e["patient_id"] == patient]

    [event] = eventually(declared, timeout=30, interval=0.5)
    assert event["payload"]["reason"] == reason and event["actor"] == {"kind": "professional", "id": urgentist_id}
    assert datetime.fromisoformat(event["payload"]["expires_at"]) == datetime.fromisoformat(granted["expires_at"])

    def audited() -> set[str]:
        return {e["payload"]["route"] for e in _events(pg_stack, topics.GATEWAY_AUDIT)
                if e["actor"]["id"] == urgentist_id and e["payload"]["granted"]}

    wanted = {f"/api/v1/patients/{patient}/emergency-access", f"/api/v1/patients/{patient}"}
    eventually(lambda: audited() >= wanted, timeout=30, interval=0.5)

    def told() -> list[dict[str, Any]]:
        return [a for a in circle["doctor"].alerts(patient) if a["kind"] == "emergency_access"]

    [alert] = eventually(told, timeout=30, interval=0.5)
    assert alert["level"] == "watch" and reason in alert["summary"] and alert["status"] == "raised"


def test_throttling_refresh_logout_and_deactivation(pg_stack: Stack, pg_admin: Api) -> None:
    """Five wrong passwords on one account: the sixth try is 429 with Retry-After, even with the
    right password (the issue measured 50 × 401, then the right password worked at once).

    Break (not re-run on this stack): the token route without its retry_after check -> 200 on the sixth try, fails.
    """
    gateway = pg_stack.url("gateway")
    structure = pg_admin.structure("Cabinet du contrôle")
    professional_id, _ = _professional(pg_admin, gateway, structure)
    email = _email_of(pg_admin, professional_id)
    unknown = f"nobody-{uuid.uuid4().hex[:6]}@example.org"
    for name in (email, unknown):
        answers = [httpx.post(f"{gateway}/api/v1/auth/token", json={"username": name, "password": "wrong!"})
                   for _ in range(5)]
        assert {(a.status_code, a.json()["detail"]) for a in answers} == {(401, "wrong username or password")}
        last = httpx.post(f"{gateway}/api/v1/auth/token", json={"username": name, "password": PASSWORD})
        assert last.status_code == 429 and int(last.headers["Retry-After"]) > 0

    _, colleague = _professional(pg_admin, gateway, structure)
    pair = httpx.post(f"{gateway}/api/v1/auth/token", json={
        "username": _email_of(pg_admin, str(_subject(colleague))), "password": PASSWORD}).json()
    renewed = httpx.post(f"{gateway}/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert renewed.status_code == 200
    used = httpx.post(f"{gateway}/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert used.status_code == 401
    bearer = {"Authorization": f"Bearer {renewed.json()['access_token']}"}
    assert httpx.get(f"{gateway}/api/v1/alerts", headers=bearer).status_code == 200
    assert httpx.post(f"{gateway}/api/v1/auth/logout", headers=bearer, json={}).status_code == 204
    assert httpx.get(f"{gateway}/api/v1/alerts", headers=bearer).status_code == 401

    pg_admin.ok("POST", f"/professionals/{_subject(colleague)}/deactivate", 204)
    assert colleague.http.get("/api/v1/alerts").status_code == 401


def _email_of(admin: Api, professional_id: str) -> str:
    return _EMAILS[professional_id]


def _subject(api: Api) -> uuid.UUID:
    token = str(api.http.headers["Authorization"]).removeprefix("Bearer ")
    return uuid.UUID(jwt.decode(token, options={"verify_signature": False})["sub"])


def test_the_auditor_s_export_has_one_record_per_access(pg_stack: Stack, pg_admin: Api, circle: dict[str, Any]) -> None:
    """Each access made here (granted or refused) is one record in the auditor's search, CSV
    and FHIR export, projected from the gateway's own events.

    Break (not re-run on this stack): the audit projection left out of bootstrap -> nothing arrives, fails.
    """
    auditor = auditor_account(pg_admin)
    patient, run = circle["patient"], uuid.uuid4().hex[:8]
    made = {}
    for n, (who, status) in enumerate([(circle["doctor"], 200), (circle["doctor"], 200), (circle["outsider"], 403)]):
        marker = f"audit-{run}-{n}"
        answer = who.http.get(f"/api/v1/patients/{patient}", headers={"X-Correlation-ID": marker})
        assert answer.status_code == status
        made[marker] = status == 200
    auditor.ok("GET", "/patients", 403, params={"last_name": "Cercle", "first_name": "Héloïse"})

    def ours() -> list[dict[str, Any]] | None:
        page = auditor.ok("GET", "/audit/access", params={"patient_id": patient, "limit": 500})
        found = [r for r in page["records"] if r["correlation_id"].startswith(f"audit-{run}-")]
        return found if len(found) >= len(made) else None

    records = eventually(ours, timeout=30, interval=0.5)
    assert sorted((r["correlation_id"], r["granted"]) for r in records) == sorted(made.items())
    csv_text = auditor.http.get("/api/v1/audit/access", params={"patient_id": patient, "format": "csv",
                                                                "limit": 500}).text
    assert sum(f"audit-{run}-" in line for line in csv_text.splitlines()) == len(made)
    bundle = auditor.ok("GET", "/audit/access", params={"patient_id": patient, "format": "fhir", "limit": 500})
    details = [d["valueString"] for e in bundle["entry"] for ent in e["resource"]["entity"]
               for d in ent.get("detail", [])]
    assert sorted(d for d in details if d.startswith(f"audit-{run}-")) == sorted(made)
    circle["doctor"].ok("GET", "/audit/access", 403)
