"""Access control over every route of the public API that names a patient's record.

The cases are generated from the gateway's OpenAPI: every operation with a patient,
care episode, document or alert id in its path or query (or `patient_id` in its body
schema) is tried by each kind of caller that exists. A route added tomorrow is tried
the day it is added; if it needs a body or a path value this file does not know, its
cells fail and say what to add. `test_the_cases_are_those_of_the_running_gateway`
checks the generated list against the running gateway's /openapi.json.

Expected, on every such route (the README's Security part; the brief: "for care circle
members only (403 otherwise)"):

- anonymous, forged token (another secret), expired token (the stack's own secret): 401;
- the administrator, a professional of the same structure outside the circle, one of
  another structure, a member removed through the API: 403 (the admin runs the
  directory, not the patients' records);
- a member of the care circle: 2xx, or 409 when the sample meets the record in another
  state (a reading on an episode another cell closed: cells run in any order). In one
  run (unshuffled): 31 routes 2xx, 5 routes 409 (enrolment: an episode is open; readings,
  hospitalisation, discharge after the close).

Deliberate breaks, each seen to fail here:
- Break: two routes added to patients.py, `GET /patients/{id}/portal-invitations` with no
  circle check and `POST /patients/{id}/emergency-access` (a body) -> 12 cells fail: the
  GET's admin/outsider/removed cells (200 instead of 403), every cell of the POST ("no
  sample body known").
- Break: the circle check dropped on one route (`check_patient_access` removed from
  `GET /care-episodes/{id}/readings/series`) -> the 4 outsider/admin/removed cells of
  that route fail (200 instead of 403).
- Break: an expired token accepted (`TokenIssuer._decode` without its expiry check)
  -> every `expired` cell fails (member's expired token answered 2xx).
- Break: the audit write skipped (`AuditTrail.record` returns at once) ->
  test_one_audit_record_per_access fails (no record for the markers within 30 s).
- Break: each access written twice (`record_accesses(accesses + accesses)`) ->
  test_one_audit_record_per_access fails (two records per marker).
- Break: grants cached forever and never forgotten -> the world fixture and
  test_a_member_removed_through_the_api_loses_access fail (still 200 after 10 s).
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import orjson
import pytest
from fastapi import APIRouter

from ecovid_events import topics

from ecovid_stack.stack import Stack
from gateway.entrypoints.api import public_api

from tests.integration.kafka_tools import read_all
from tests.integration.support import ALARMING, JWT_SECRET, PASSWORD, Api, eventually, now_iso

RECORD_IDS = ("patient_id", "episode_id", "document_id", "alert_id")
REFUSED = {"anonymous": 401, "forged": 401, "expired": 401, "deactivated": 401,
           "admin": 403, "outsider_same_structure": 403, "outsider_other_structure": 403,
           "removed_member": 403}
# Allowed callers: the creator (a managing role), a nurse, an emergency-access holder. Only a
# managing role adds or removes others: the nurse's and the emergency holder's tries are 403.
ALLOWED = ("member", "nurse", "emergency")
CALLERS = (*REFUSED, *ALLOWED)
MANAGING_ONLY = ("POST /api/v1/patients/{patient_id}/care-circle/members",
                 "DELETE /api/v1/patients/{patient_id}/care-circle/members/{professional_id}")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # the OpenAPI template, /api/v1/...
    query: tuple[str, ...]  # record ids given in the query
    has_body: bool

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def record_routes(openapi: dict[str, Any]) -> list[Route]:
    """Every operation that names a patient's record, from an OpenAPI document."""
    routes = []
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            params = operation.get("parameters", [])
            in_path = [p["name"] for p in params if p["in"] == "path" and p["name"] in RECORD_IDS]
            in_query = tuple(p["name"] for p in params if p["in"] == "query" and p["name"] in RECORD_IDS)
            in_body = "patient_id" in _body_properties(openapi, operation)
            if in_path or in_query or in_body:
                routes.append(Route(method.upper(), path, in_query, "requestBody" in operation))
    return routes


def _body_properties(openapi: dict[str, Any], operation: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for media in operation.get("requestBody", {}).get("content", {}).values():
        schema = media.get("schema", {})
        ref = schema.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            schema = openapi["components"]["schemas"][ref.rsplit("/", 1)[1]]
        found |= set(schema.get("properties", {}))
    return found


# The gateway's own OpenAPI, built in-process to parametrise at collection time.
ALL_ROUTES = record_routes(public_api(None, APIRouter()).openapi())  # type: ignore[arg-type]
# Declaring an emergency access is for professionals outside the circle (test_who_sees.py);
# the circle's rules hold on every other record route.
EMERGENCY = "POST /api/v1/patients/{patient_id}/emergency-access"
AUDIT = "GET /api/v1/audit/access"  # for auditors only (test_who_sees.py)
# Reconciliation of a hospital stay (admissions): an administrator may match it too, and a
# circle's professional; the matrix names a stay that does not exist (the match itself is
# tested in test_admissions.py).
MATCH = "POST /api/v1/admissions/{admission_id}/match"
ENROL = "POST /api/v1/patients/{patient_id}/care-episodes"
NO_SUCH_STAY = str(uuid.uuid4())
ROUTES = [r for r in ALL_ROUTES if r.key not in (EMERGENCY, AUDIT)]


@dataclass
class World:
    """One patient with a record of each kind, and one caller of each kind."""

    base_url: str
    structure: str
    patient: str
    episode: str
    document: str
    alert: str
    objective: str
    colleague: str  # a professional the member may add (never one of the callers)
    leaving: str  # a member the member may remove
    headers: dict[str, dict[str, str]]

    def path_value(self, name: str) -> str | None:
        return {
            "patient_id": self.patient, "episode_id": self.episode, "document_id": self.document,
            "alert_id": self.alert, "objective_id": self.objective, "professional_id": self.leaving,
            "admission_id": NO_SUCH_STAY,
        }.get(name)

    def request_body(self, route: Route) -> dict[str, Any] | None:
        samples: dict[str, dict[str, Any]] = {
            "POST /api/v1/patients/{patient_id}/care-circle/members":
                {"json": {"professional_id": self.colleague, "role": "nurse"}},
            "POST /api/v1/patients/{patient_id}/care-episodes":
                {"json": {"started_on": datetime.now(UTC).date().isoformat(), "status": "suspected",
                          "structure_id": self.structure}},
            "PATCH /api/v1/care-episodes/{episode_id}": {"json": {"status": "tested_positive"}},
            "POST /api/v1/care-episodes/{episode_id}/readings":
                {"json": {"taken_at": now_iso(), "temperature": 37.1, "spo2": 97}},
            "PATCH /api/v1/patients/{patient_id}/identity": {"json": {"commune": "Montreuil"}},
            "PUT /api/v1/patients/{patient_id}/risk-factors": {"json": {"factors": ["diabetes"]}},
            "PUT /api/v1/patients/{patient_id}/medical-history": {"json": {"entries": [{"label": "asthme"}]}},
            "PUT /api/v1/patients/{patient_id}/allergies": {"json": {"entries": [{"substance": "pénicilline"}]}},
            "PUT /api/v1/patients/{patient_id}/treatments": {"json": {"entries": [{"name": "paracétamol"}]}},
            "POST /api/v1/patients/{patient_id}/notes": {"json": {"text": "appelée ce matin"}},
            "POST /api/v1/alerts/{alert_id}/resolve": {"json": {"reason": "taken_care_of"}},
            "POST /api/v1/patients/{patient_id}/portal-invitations": {"json": {"email": "matrix@example.org"}},
            MATCH: {"json": {"patient_id": self.patient}},
            "POST /api/v1/patients/{patient_id}/objectives": {"json": {"title": "SpO2 ≥ 95 %"}},
            "PATCH /api/v1/patients/{patient_id}/objectives/{objective_id}": {"json": {"status": "achieved"}},
            "POST /api/v1/patients/{patient_id}/documents":
                {"files": {"file": ("cr.pdf", PDF, "application/pdf")}, "data": {"title": "CR", "kind": "report"}},
        }
        return samples.get(route.key)

    def request(self, route: Route, caller: str, correlation_id: str | None = None) -> httpx.Response:
        path = route.path
        for name in _path_names(path):
            value = self.path_value(name)
            if value is None:
                pytest.fail(f"{route.key}: no value known for {{{name}}}: add it to World.path_value")
            path = path.replace(f"{{{name}}}", value)
        body = self.request_body(route)
        if route.has_body and body is None:
            pytest.fail(f"{route.key}: no sample body known: add one to World.request_body")
        headers = dict(self.headers[caller])
        if correlation_id:
            headers["X-Correlation-ID"] = correlation_id
        params = {name: self.patient for name in route.query}
        return httpx.request(route.method, self.base_url + path, params=params, headers=headers,
                             timeout=30, **(body or {}))


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _token_of(api: Api) -> str:
    return str(api.http.headers["Authorization"]).removeprefix("Bearer ")


def _minted(claims_of: Api, secret: str, expires_in: float) -> str:
    """A token with the same claims as `claims_of`'s, expiring `expires_in` seconds from now."""
    claims = jwt.decode(_token_of(claims_of), options={"verify_signature": False})
    claims.update(iat=int(time.time()) - 3600, exp=int(time.time() + expires_in))
    return jwt.encode(claims, secret, algorithm="HS256")


def _login_new(gateway: str, admin: Api, structure: str) -> tuple[str, Api]:
    professional_id, email = admin.professional(structure)
    return professional_id, Api.login(gateway, email, PASSWORD)


@pytest.fixture(scope="module")
def world(pg_stack: Stack, pg_admin: Api, care_team: tuple[Api, str]) -> World:
    return _new_world(pg_stack, pg_admin, care_team)


@pytest.fixture(scope="module")
def audit_world(pg_stack: Stack, pg_admin: Api, care_team: tuple[Api, str]) -> World:
    """Its own patient: the audit test's member removes `leaving` too, and would make the
    member cell of that route meet a 404 when it runs first."""
    return _new_world(pg_stack, pg_admin, care_team)


def _new_world(pg_stack: Stack, pg_admin: Api, care_team: tuple[Api, str]) -> World:
    gateway = pg_stack.url("gateway")
    member, structure = care_team
    other_structure = pg_admin.structure("Centre hospitalier d'ailleurs")
    _, same = _login_new(gateway, pg_admin, structure)
    _, other = _login_new(gateway, pg_admin, other_structure)
    removed_id, removed = _login_new(gateway, pg_admin, structure)
    colleague, _ = pg_admin.professional(structure)
    leaving, _ = pg_admin.professional(structure)
    nurse_id, nurse = _login_new(gateway, pg_admin, structure)
    _, urgentist = _login_new(gateway, pg_admin, other_structure)
    deactivated_id, deactivated = _login_new(gateway, pg_admin, structure)

    patient = member.patient("Accès")
    episode = member.episode(patient, structure)
    member.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(), **ALARMING})
    alert = eventually(lambda: member.alerts(patient))[0]["id"]
    document = member.http.post(f"/api/v1/patients/{patient}/documents",
                                files={"file": ("cr.pdf", PDF, "application/pdf")},
                                data={"title": "CR", "kind": "report"}).json()["id"]
    objective = member.ok("POST", f"/patients/{patient}/objectives", 201, json={"title": "repos"})["id"]
    for professional_id in (leaving, removed_id, nurse_id, deactivated_id):
        member.ok("POST", f"/patients/{patient}/care-circle/members", 201,
                  json={"professional_id": professional_id, "role": "nurse"})
    deactivated.ok("GET", f"/patients/{patient}")
    pg_admin.ok("POST", f"/professionals/{deactivated_id}/deactivate", 204)
    urgentist.ok("POST", f"/patients/{patient}/emergency-access", 201,
                 json={"reason": "détresse respiratoire, appel du SAMU"})
    removed.ok("GET", f"/patients/{patient}")  # a grant now cached by the gateway
    member.ok("DELETE", f"/patients/{patient}/care-circle/members/{removed_id}", 204)
    _wait_refused(removed, patient)

    fresh = _minted(member, JWT_SECRET, expires_in=600)
    # The stack really uses JWT_SECRET: a fresh token minted with it is accepted, so the
    # expired one below is refused for its expiry alone.
    assert httpx.get(f"{gateway}/api/v1/patients/{patient}", headers=_bearer(fresh)).status_code == 200
    headers = {
        "anonymous": {},
        "forged": _bearer(_minted(member, "another-secret-of-thirty-two-bytes-or-more", 600)),
        "expired": _bearer(_minted(member, JWT_SECRET, expires_in=-5)),
        "admin": _bearer(_token_of(pg_admin)),
        "outsider_same_structure": _bearer(_token_of(same)),
        "outsider_other_structure": _bearer(_token_of(other)),
        "removed_member": _bearer(_token_of(removed)),
        "deactivated": _bearer(_token_of(deactivated)),
        "member": _bearer(_token_of(member)),
        "nurse": _bearer(_token_of(nurse)),
        "emergency": _bearer(_token_of(urgentist)),
    }
    return World(gateway, structure, patient, episode, document, alert, objective, colleague, leaving, headers)


def _wait_refused(api: Api, patient: str) -> None:
    """A removal through this gateway forgets the grant at once; through another replica
    it lasts up to the grant cache's 2 s (ACCESS_GRANT_SECONDS): poll, with a deadline."""
    eventually(lambda: api.http.get(f"/api/v1/patients/{patient}").status_code == 403, timeout=10)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", ROUTES, ids=[r.key for r in ROUTES])
def test_every_record_route_for_every_caller(world: World, route: Route, caller: str) -> None:
    response = world.request(route, caller)
    if route.key == MATCH and caller in ("admin", *ALLOWED):
        # Past the gateway's check, admissions is asked and knows no such stay.
        assert response.status_code == 404, f"{route.key} as {caller}: {response.status_code} {response.text}"
    elif caller in REFUSED:
        answer = f"{route.key} as {caller}: {response.status_code} {response.text}"
        assert response.status_code == REFUSED[caller], answer
        assert response.json()["detail"], response.text  # a clear message, JSON
    elif caller == "emergency" and route.key == ENROL:
        # The holder is of another structure: one enrols only in a structure of one's own.
        assert response.status_code == 403, f"{route.key} as {caller}: {response.status_code} {response.text}"
        assert response.json()["errors"][0]["field"] == "structure_id"
    elif caller != "member" and route.key in MANAGING_ONLY:
        assert response.status_code == 403, f"{route.key} as {caller}: {response.status_code} {response.text}"
    else:
        status = response.status_code
        # 409: the record in another state (the episode closed by another cell, an open one
        # already there); never 404 or 422, which would say the sample or the path is wrong.
        # 404 for a removal: the member to remove was removed by another allowed cell.
        gone = status == 404 and route.key == MANAGING_ONLY[1]
        assert status < 400 or status == 409 or gone, f"{route.key} as {caller}: {status} {response.text}"


# Routes that exist to get a token: what they check is the body (a password, a refresh
# token, a challenge and its code, an invitation token) or the identity provider's answer.
UNAUTHENTICATED = ("/api/v1/auth/token", "/api/v1/auth/refresh", "/api/v1/auth/mfa", "/api/v1/auth/mfa/totp",
                   "/api/v1/portal/activate", "/api/v1/auth/oidc/login", "/api/v1/auth/oidc/callback")


def test_the_cases_are_those_of_the_running_gateway(pg_stack: Stack) -> None:
    """The parametrised routes are every record route of the live /openapi.json, and the
    count is what the README states (36 record routes × 8 callers)."""
    live = record_routes(httpx.get(pg_stack.url("gateway") + "/openapi.json").json())
    assert sorted(r.key for r in live) == sorted(r.key for r in ALL_ROUTES)
    assert len(ROUTES) >= 36


def test_a_member_removed_through_the_api_loses_access(
    pg_stack: Stack, pg_admin: Api, care_team: tuple[Api, str]
) -> None:
    """Access is lost after removal, within the grant cache's 2 s at most.

    Break: grants cached forever and never forgotten (`ACCESS_GRANT_SECONDS = 1e9`,
    `forget_grant` a no-op) -> fails (200 until the deadline).
    """
    member, structure = care_team
    patient = member.patient("Retrait")
    professional_id, nurse = _login_new(pg_stack.url("gateway"), pg_admin, structure)
    nurse.ok("GET", f"/patients/{patient}", 403)
    member.ok("POST", f"/patients/{patient}/care-circle/members", 201,
              json={"professional_id": professional_id, "role": "nurse"})
    nurse.ok("GET", f"/patients/{patient}")
    member.ok("DELETE", f"/patients/{patient}/care-circle/members/{professional_id}", 204)
    _wait_refused(nurse, patient)
    members = [m["professional_id"] for m in member.ok("GET", f"/patients/{patient}/care-circle/members")]
    assert professional_id not in members


def test_every_route_but_sign_in_wants_a_valid_token(pg_stack: Stack, world: World) -> None:
    """Every operation of the live OpenAPI (records or not: directory, search, lists, rule
    sets), without a token and with an expired one: 401 before anything else is looked at.

    Break: a request without a token taken as the admin (deps.principal) -> fails.
    """
    gateway = pg_stack.url("gateway")
    openapi = httpx.get(gateway + "/openapi.json").json()
    tried = []
    for path, operations in openapi["paths"].items():
        for method in operations:
            if path in UNAUTHENTICATED or not path.startswith("/api/"):
                continue  # signing in (a password, a refresh token, a code), activation, /health
            concrete = "/".join(str(uuid.uuid4()) if p.startswith("{") else p for p in path.split("/"))
            for caller in ("anonymous", "expired"):
                response = httpx.request(method.upper(), gateway + concrete, headers=world.headers[caller], json={})
                assert response.status_code == 401, f"{method.upper()} {path} as {caller}: {response.text}"
            tried.append(path)
    assert len(tried) >= 42  # 43 operations under /api/v1 today, sign-in apart


def test_wrong_password_is_refused(pg_stack: Stack) -> None:
    response = httpx.post(pg_stack.url("gateway") + "/api/v1/auth/token",
                          json={"username": "admin@it.local", "password": "wrong"})
    assert response.status_code == 401


def test_admin_routes_refuse_professionals_and_professional_routes_refuse_the_admin(
    pg_admin: Api, care_team: tuple[Api, str],
) -> None:
    member, _ = care_team
    member.ok("POST", "/structures", 403, json={"name": "x", "kind": "practice"})
    member.ok("POST", "/rule-sets/dry-run", 403, json={"rule_set": "{}"})
    pg_admin.ok("POST", "/patients", 403, json={})
    pg_admin.ok("GET", "/patients", 403, params={"last_name": "Dupont"})


def test_one_audit_record_per_access(pg_stack: Stack, audit_world: World) -> None:
    """Each access to a record, granted or refused, is one RecordAccessed on gateway.audit,
    with the caller as actor, the patient, the method, the path and the outcome: every
    record route (from the OpenAPI) by the member, an outsider, the admin and the removed
    member, each request marked with its own X-Correlation-ID. Accesses refused before the
    caller is known (401) name nobody and leave no audit record (the request log has them):
    every route is also tried anonymously, and none appears.

    Break: `AuditTrail.record` returning without writing -> fails (no record arrives).
    Break: writing each access twice (`record_accesses(accesses + accesses)`) -> fails.
    """
    kinds = {"member": "professional", "outsider_other_structure": "professional",
             "admin": "admin", "removed_member": "professional"}
    run = uuid.uuid4().hex[:8]
    expected = {}
    # The match of a hospital stay is the administrator's too (no circle asked of them).
    for n, route in enumerate(r for r in ROUTES if r.key != MATCH):
        for caller, kind in kinds.items():
            marker = f"audit-{run}-{n}-{caller}"
            response = audit_world.request(route, caller, correlation_id=marker)
            granted = caller == "member"
            assert (response.status_code not in (401, 403)) == granted, f"{route.key} as {caller}: {response.text}"
            expected[marker] = {"actor": {"kind": kind, "id": _subject(audit_world.headers[caller])},
                                "granted": granted, "method": route.method,
                                "route": httpx.URL(str(response.request.url)).path}
        assert audit_world.request(route, "anonymous", f"audit-{run}-{n}-anonymous").status_code == 401

    def ours() -> list[dict[str, Any]] | None:
        events = [orjson.loads(r.value) for r in read_all(pg_stack.kafka_bootstrap, topics.GATEWAY_AUDIT, idle_ms=500)]
        mine = [e for e in events if e["correlation_id"].startswith(f"audit-{run}-")]
        return mine if {e["correlation_id"] for e in mine} >= set(expected) else None

    records = eventually(ours, timeout=60, interval=0.5)
    counts = Counter(e["correlation_id"] for e in records)
    assert counts == Counter(dict.fromkeys(expected, 1)), counts  # exactly one each, none anonymous
    for event in records:
        want = expected[event["correlation_id"]]
        assert event["event_type"] == "RecordAccessed"
        assert event["patient_id"] == audit_world.patient
        assert event["actor"] == want["actor"]
        assert event["payload"]["granted"] is want["granted"]
        assert event["payload"]["status_code"] == (200 if want["granted"] else 403)
        assert (event["payload"]["method"], event["payload"]["route"]) == (want["method"], want["route"])


def _subject(headers: dict[str, str]) -> str:
    token = headers["Authorization"].removeprefix("Bearer ")
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])
