"""Every public route that names a patient's record, generated from the OpenAPI: who gets
through, what is forwarded, and the one audit record each access leaves.

Break: the circle check dropped from one route (`series` in episodes.py) -> the 3 outsider
cells of that route fail (200 instead of 403), and its member cell (no access traced).
Break: `AuditTrail.record` returns without writing -> 146 cells fail (nothing traced).
Break: the service calls without X-Actor-Id/X-Actor-Kind -> the 38 member cells fail.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from conftest import World
from fastapi import APIRouter

from gateway.entrypoints.api import public_api

RECORD_IDS = ("patient_id", "episode_id", "document_id", "alert_id")
PDF = b"%PDF-1.4 unit"


SPEC = public_api(None, APIRouter()).openapi()  # type: ignore[arg-type]


def _record_routes() -> list[tuple[str, str, bool]]:
    found = []
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] in ("path", "query")}
            if names & set(RECORD_IDS):
                found.append((method.upper(), path, "requestBody" in operation))
    return found


def _example(method: str, path: str) -> Any:
    """The body's first example, as the OpenAPI shows it (each body model carries one)."""
    schema = SPEC["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]
    name = schema["$ref"].removeprefix("#/components/schemas/")
    return SPEC["components"]["schemas"][name]["examples"][0]


ROUTES = _record_routes()
# Declaring an emergency access is for professionals outside the circle: its own rules
# (test_emergency_access.py); the circle's rules hold on every other record route.
# The audit trail's search names a patient too, but is for auditors (test_audit_log.py).
CIRCLE_ROUTES = [r for r in ROUTES if not r[1].endswith("/emergency-access") and r[1] != "/api/v1/audit/access"]


def _send(world: World, route: tuple[str, str, bool], headers: dict[str, str]) -> Any:
    method, path, has_body = route
    episode, alert, document = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    world.platform.episodes[episode] = world.patient
    world.platform.alerts[alert] = world.patient
    world.platform.documents[document] = world.patient
    values = {"patient_id": world.patient, "episode_id": episode, "alert_id": alert, "document_id": document,
              "objective_id": str(uuid.uuid4()), "professional_id": str(uuid.uuid4())}
    url = path.format(**values)
    kwargs: dict[str, Any] = {}
    if path.endswith("/documents") and method == "POST":
        kwargs = {"files": {"file": ("cr.pdf", PDF, "application/pdf")}, "data": {"title": "CR", "kind": "report"}}
    elif path.endswith("/resolve"):
        kwargs = {"json": {"reason": "taken_care_of"}}
    elif path.endswith("/portal-invitations"):
        kwargs = {"json": {"email": "patient@example.org"}}
    elif path.endswith("/care-circle/members"):
        kwargs = {"json": {"professional_id": str(uuid.uuid4()), "role": "nurse"}}
    elif has_body:
        body = _example(method, path)
        kwargs = {"json": {**body, "structure_id": world.structure} if "structure_id" in body else body}
    params = {"patient_id": world.patient} if "{patient_id}" not in path else {}
    return world.client.request(method, url, headers=headers, params=params, **kwargs)


def test_the_generated_routes_are_the_41_record_routes() -> None:
    assert len(ROUTES) == 41 and len(CIRCLE_ROUTES) == 39
    assert ("GET", "/api/v1/alerts", False) in ROUTES  # patient_id in the query


@pytest.mark.parametrize("route", CIRCLE_ROUTES, ids=[f"{m} {p}" for m, p, _ in CIRCLE_ROUTES])
def test_a_member_gets_through_and_is_traced_once(world: World, route: tuple[str, str, bool]) -> None:
    member = world.caller(member=True)
    response = _send(world, route, member.headers)
    assert response.status_code < 300, response.text
    traced = world.accesses()
    assert [(t.patient_id, t.granted, t.status_code) for t in traced] == [(uuid.UUID(world.patient), True, 200)]
    assert traced[0].trace["actor"] == {"kind": "professional", "id": str(member.principal.subject_id)}
    assert traced[0].method == route[0] and traced[0].route.startswith("/api/v1/")
    # Every call to a service carried the caller and the internal token.
    calls = world.platform.calls
    assert calls and all(c.headers["x-actor-id"] == str(member.principal.subject_id) for c in calls)
    assert all(c.headers["x-internal-token"] == "development-internal-token" for c in calls)


@pytest.mark.parametrize("role", ["professional", "admin", "patient", "auditor"])
@pytest.mark.parametrize("route", CIRCLE_ROUTES, ids=[f"{m} {p}" for m, p, _ in CIRCLE_ROUTES])
def test_anyone_outside_the_circle_is_refused_and_traced_once(
    world: World, route: tuple[str, str, bool], role: str,
) -> None:
    outsider = world.caller(role)
    response = _send(world, route, outsider.headers)
    assert response.status_code == 403, response.text
    assert response.json() == {"detail": "you are not in this patient's care circle", "errors": []}
    traced = world.accesses()
    assert [(t.patient_id, t.granted, t.status_code) for t in traced] == [(uuid.UUID(world.patient), False, 403)]
    assert traced[0].trace["actor"]["id"] == str(outsider.principal.subject_id)
    # Nothing was asked of the services beyond the circle and which patient a record is of.
    assert [c for c in world.platform.calls if not _finding_the_patient(c)] == []


def _finding_the_patient(call: Any) -> bool:
    if call.service == "care-circle":
        return bool(call.path == "/access")
    finders = ("monitor", "alerting", "documents")
    return bool(call.method == "GET" and call.path.count("/") == 2 and call.service in finders)


@pytest.mark.parametrize("route", ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_no_token_or_a_bad_one_is_401_and_reaches_no_service(world: World, route: tuple[str, str, bool]) -> None:
    for headers in ({}, {"Authorization": "Bearer not.a.token"}, {"Authorization": "Basic abc"}):
        response = _send(world, route, headers)
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == "Bearer"
    assert world.platform.calls == []
    assert world.accesses() == []
