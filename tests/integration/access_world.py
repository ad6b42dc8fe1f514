"""The world of the access matrix (test_access.py): one patient with a record of each kind,
and one caller of each kind, signed in on a running stack.

The record routes are read from the gateway's OpenAPI; each caller is a bearer token.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
from fastapi import APIRouter

from ecovid_platform.settings import DEVELOPMENT_INTERNAL_TOKEN

from ecovid_stack.stack import Stack
from gateway.entrypoints.api import public_api

from tests.integration.support import (
    ALARMING,
    JWT_SECRET,
    NORMAL,
    PASSWORD,
    Api,
    auditor_account,
    eventually,
    now_iso,
    portal_account,
)

RECORD_IDS = ("patient_id", "episode_id", "document_id", "alert_id")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"

# The callers. Refused before anything is looked at (no valid token; a deactivated account's
# tokens stop at once):
UNAUTHENTICATED = ("anonymous", "forged", "expired", "deactivated")
# Known, and outside the circle (403): the admin runs the directory, the auditor reads the
# audit trail, a patient's own data is under /me.
OUTSIDERS = ("admin", "auditor", "outsider_same_structure", "outsider_other_structure", "removed_member",
             "expired_emergency", "patient", "other_patient")
# A member of each role (care-circle's ROLES and the registering professional), each caller
# named after their role, and a live emergency-access holder.
ROLES = ("attending_physician", "nurse", "coordinator", "hospital_team", "pharmacist", "home_help", "other")
MEMBERS = ("creator", *ROLES)
ALLOWED = (*MEMBERS, "emergency")
CALLERS = (*UNAUTHENTICATED, *OUTSIDERS, *ALLOWED)
# Only these add and remove others; the roles that do not see documents and shared notes.
MANAGING = ("creator", "attending_physician", "coordinator")
NO_DOCUMENTS_OR_NOTES = ("home_help", "other")
# An emergency access that ends within seconds (care-circle's command takes `hours`).
SHORT_EMERGENCY_SECONDS = 5.0


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
    colleague: str  # a professional a managing member may add (never one of the callers)
    leaving: str  # a member a managing member may remove
    headers: dict[str, dict[str, str]]
    http: httpx.Client
    # A second patient of the same circle that no cell touches (the lists' control), and the
    # other patient of the "other_patient" caller, with their open episode.
    listed: str = ""
    other_patient: str = ""
    other_episode: str = ""

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
                raise AssertionError(f"{route.key}: no value known for {{{name}}}: add it to World.path_value")
            path = path.replace(f"{{{name}}}", value)
        body = self.request_body(route)
        if route.has_body and body is None:
            raise AssertionError(f"{route.key}: no sample body known: add one to World.request_body")
        headers = dict(self.headers[caller])
        if correlation_id:
            headers["X-Correlation-ID"] = correlation_id
        params = {name: self.patient for name in route.query}
        return self.http.request(route.method, self.base_url + path, params=params, headers=headers,
                                 **(body or {}))

    def get(self, caller: str, path: str, **params: Any) -> httpx.Response:
        return self.http.get(f"{self.base_url}/api/v1{path}", headers=self.headers[caller], params=params)


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_of(api: Api) -> str:
    return str(api.http.headers["Authorization"]).removeprefix("Bearer ")


def minted(claims_of: Api, secret: str, expires_in: float) -> str:
    """A token with the same claims as `claims_of`'s, expiring `expires_in` seconds from now."""
    claims = jwt.decode(token_of(claims_of), options={"verify_signature": False})
    claims.update(iat=int(time.time()) - 3600, exp=int(time.time() + expires_in))
    return jwt.encode(claims, secret, algorithm="HS256")


def login_new(gateway: str, admin: Api, structure: str) -> tuple[str, Api]:
    professional_id, email = admin.professional(structure)
    return professional_id, Api.login(gateway, email, PASSWORD)


def wait_refused(api: Api, patient: str) -> None:
    """A removal through this gateway forgets the grant at once; through another replica
    it lasts up to the grant cache's 2 s (ACCESS_GRANT_SECONDS); an emergency access ends
    at its expiry, and its grant within those 2 s: poll, with a deadline."""
    eventually(lambda: api.http.get(f"/api/v1/patients/{patient}").status_code == 403, timeout=20)


def build_world(stack: Stack, admin: Api, structure: str, *, everyone: bool = True) -> World:
    """The patient, its records, and the callers; `everyone=False`: the creator, the
    outsiders of other structures, the admin and a removed member only (the audit test's)."""
    gateway = stack.url("gateway")
    _, creator = login_new(gateway, admin, structure)
    patient = creator.patient("Accès")
    # A document and a note first: the timeline's first page (oldest first) holds them
    # whatever the cells add later.
    document = creator.http.post(f"/api/v1/patients/{patient}/documents",
                                 files={"file": ("cr.pdf", PDF, "application/pdf")},
                                 data={"title": "CR", "kind": "report"}).json()["id"]
    creator.ok("POST", f"/patients/{patient}/notes", 201, json={"text": "note de l'équipe"})
    episode = creator.episode(patient, structure)
    creator.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(), **ALARMING})
    alert = eventually(lambda: creator.alerts(patient))[0]["id"]
    objective = creator.ok("POST", f"/patients/{patient}/objectives", 201, json={"title": "repos"})["id"]
    colleague, _ = admin.professional(structure)
    leaving, _ = admin.professional(structure)
    other_structure = admin.structure("Centre hospitalier d'ailleurs")
    _, other = login_new(gateway, admin, other_structure)
    removed_id, removed = login_new(gateway, admin, structure)
    world = World(gateway, structure, patient, episode, document, alert, objective, colleague, leaving, {
        "anonymous": {}, "admin": bearer(token_of(admin)), "creator": bearer(token_of(creator)),
        "outsider_other_structure": bearer(token_of(other)), "removed_member": bearer(token_of(removed)),
    }, httpx.Client(timeout=30))
    for professional_id in (leaving, removed_id):
        creator.ok("POST", f"/patients/{patient}/care-circle/members", 201,
                   json={"professional_id": professional_id, "role": "nurse"})
    if everyone:
        _everyone(world, stack, admin, creator, other_structure, removed_id)
    removed.ok("GET", f"/patients/{patient}")  # a grant now cached by the gateway
    for record in (patient, world.listed):
        if record:
            creator.ok("DELETE", f"/patients/{record}/care-circle/members/{removed_id}", 204)
            wait_refused(removed, record)
    return world


def _everyone(world: World, stack: Stack, admin: Api, creator: Api, other_structure: str, removed_id: str) -> None:
    gateway, patient, structure = world.base_url, world.patient, world.structure
    listed = creator.patient("Listée")
    listed_episode = creator.episode(listed, structure)
    creator.ok("POST", f"/care-episodes/{listed_episode}/readings", 201, json={"taken_at": now_iso(), **ALARMING})
    world.listed = listed
    # Declared first: its seconds run out while the rest is set up.
    expired_id, expired = login_new(gateway, admin, other_structure)
    for record in (patient, listed):
        _declare_short_emergency(stack, expired_id, record)
        expired.ok("GET", f"/patients/{record}")  # live now: its expiry alone will refuse it
    headers = world.headers
    for role in ROLES:
        professional_id, member = login_new(gateway, admin, structure)
        for record in (patient, listed):
            creator.ok("POST", f"/patients/{record}/care-circle/members", 201,
                       json={"professional_id": professional_id, "role": role})
        headers[role] = bearer(token_of(member))
    creator.ok("POST", f"/patients/{listed}/care-circle/members", 201,
               json={"professional_id": removed_id, "role": "nurse"})
    _, urgentist = login_new(gateway, admin, other_structure)
    for record in (patient, listed):
        urgentist.ok("POST", f"/patients/{record}/emergency-access", 201,
                     json={"reason": "détresse respiratoire, appel du SAMU"})
    _, same = login_new(gateway, admin, structure)
    deactivated_id, deactivated = login_new(gateway, admin, structure)
    creator.ok("POST", f"/patients/{patient}/care-circle/members", 201,
               json={"professional_id": deactivated_id, "role": "nurse"})
    deactivated.ok("GET", f"/patients/{patient}")
    admin.ok("POST", f"/professionals/{deactivated_id}/deactivate", 204)

    world.other_patient = creator.patient("Voisin")
    world.other_episode = creator.episode(world.other_patient, structure)
    creator.ok("POST", f"/care-episodes/{world.other_episode}/readings", 201, json={"taken_at": now_iso(), **NORMAL})
    fresh = minted(creator, JWT_SECRET, expires_in=600)
    # The stack really uses JWT_SECRET: a fresh token minted with it is accepted, so the
    # expired one below is refused for its expiry alone.
    assert httpx.get(f"{gateway}/api/v1/patients/{patient}", headers=bearer(fresh)).status_code == 200
    headers.update({
        "forged": bearer(minted(creator, "another-secret-of-thirty-two-bytes-or-more", 600)),
        "expired": bearer(minted(creator, JWT_SECRET, expires_in=-5)),
        "auditor": bearer(token_of(auditor_account(admin))),
        "outsider_same_structure": bearer(token_of(same)),
        "deactivated": bearer(token_of(deactivated)),
        "emergency": bearer(token_of(urgentist)),
        "expired_emergency": bearer(token_of(expired)),
        "patient": bearer(token_of(portal_account(stack, creator, patient))),
        "other_patient": bearer(token_of(portal_account(stack, creator, world.other_patient))),
    })
    for record in (patient, listed):
        wait_refused(expired, record)
    _wait_settled(world, creator)


def _declare_short_emergency(stack: Stack, professional_id: str, patient: str) -> None:
    """An emergency access of a few seconds, declared to care-circle as the gateway declares
    one (its internal command takes `hours`); the public body has no `hours`: 4 hours each."""
    answer = httpx.post(
        f"{stack.url('care-circle')}/patients/{patient}/emergency-access",
        json={"professional_id": professional_id, "reason": "détresse respiratoire, appel du SAMU",
              "hours": SHORT_EMERGENCY_SECONDS / 3600},
        headers={"X-Internal-Token": DEVELOPMENT_INTERNAL_TOKEN, "X-Actor-Kind": "professional",
                 "X-Actor-Id": professional_id},
    )
    assert answer.status_code == 201, answer.text


def _wait_settled(world: World, creator: Api) -> None:
    """What reaches the read models through the broker: the document in the summary, the
    note and the document in the timeline, the listed patient in the monitoring list."""

    def settled() -> bool:
        summary = creator.ok("GET", f"/patients/{world.patient}/summary")
        kinds = {e["event_type"] for e in creator.ok("GET", f"/patients/{world.patient}/timeline")["items"]}
        rows = creator.ok("GET", "/monitoring/patients", params={"population": "adults", "limit": 200})["rows"]
        return (bool(summary["latest_documents"]["items"]) and {"NoteShared", "DocumentAdded"} <= kinds
                and world.listed in {row["patient_id"] for row in rows})

    eventually(settled, timeout=60, interval=0.5)
