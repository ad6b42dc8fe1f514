"""Every error answer of the public API is documented as it is sent, and 405 names every method.

Breaks (each made once, watched failing, restored):
- `document_errors(api)` left out of gateway/entrypoints/api.py -> test_every_error_is_the_one_error_model
  and test_fastapi_validation_error_shape_is_gone fail (FastAPI's HTTPValidationError for 422,
  no 401/403/413/415/502/503 anywhere), and test_refusals_sent_are_documented fails on the 401.
- `if status == 422 or ...` reduced to `if str(status) not in answers` in answers.py ->
  test_fastapi_validation_error_shape_is_gone fails (the 422 keeps FastAPI's shape).
- `found.add(400)` of form routes left out of answers.py -> test_refusals_sent_are_documented fails
  on the multipart body without a boundary (Starlette's 400).
- the `Allow` of every route matching the path (ecovid_platform.http.allowed_methods) left out of
  the 405 handler -> test_405_allows_every_method_of_the_path fails on /api/v1/patients
  (Starlette's own Allow named POST only).
- the route's own refusals (`answers(..., refusals=...)`: 401/409/410/429) left without the
  error model in answers.py -> test_every_error_is_the_one_error_model fails on 18 operations
  (the sessions', the portal's, the audit's and the directory's).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from conftest import World

from ecovid_events.asyncapi import render
from ecovid_platform.health import health_router

from gateway.entrypoints.answers import LOCAL_ROUTES, ErrorBody
from gateway.entrypoints.api import public_api

SPEC = public_api(None, health_router("gateway", {})).openapi()  # type: ignore[arg-type]
ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
# The gateway's own routes reached before any token: sign-in, its second step, refresh, the
# identity provider's round trip, the portal's activation.
ANONYMOUS = {"/api/v1/auth/token", "/api/v1/auth/mfa", "/api/v1/auth/mfa/totp", "/api/v1/auth/refresh",
             "/api/v1/auth/oidc/login", "/api/v1/auth/oidc/callback", "/api/v1/portal/activate"}
METHODS = ("get", "put", "post", "delete", "patch")


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, operation) for path, item in SPEC["paths"].items()
            for method, operation in item.items() if method in METHODS]


# The identity routes' 409 names the patient already registered (existing_id, match): the
# error body and more, documented as such (schemathesis found the two extra properties).
DUPLICATE_ANSWERS = {("POST", "/api/v1/patients", 409), ("PATCH", "/api/v1/patients/{patient_id}/identity", 409)}
DUPLICATE_REF = {"$ref": "#/components/schemas/DuplicateIdentity"}


def test_a_duplicate_identity_is_the_error_body_and_the_patient_found() -> None:
    """break: the identity routes' 409 left as ErrorBody -> schemathesis's
    response_schema_conformance fails on existing_id and match (and this test)."""
    schema = SPEC["components"]["schemas"]["DuplicateIdentity"]
    error = SPEC["components"]["schemas"]["ErrorBody"]
    assert set(error["properties"]) | {"existing_id", "match"} == set(schema["properties"])
    assert schema["additionalProperties"] is False
    assert schema["properties"]["match"]["enum"] == ["ins", "names"]


PUBLIC = [(m, p, o) for m, p, o in _operations() if p.startswith("/api/v1")]


def _documented(method: str, path: str) -> dict[str, Any]:
    return dict(SPEC["paths"][path][method.lower()]["responses"])


@pytest.mark.parametrize(("method", "path", "operation"), PUBLIC, ids=[f"{m} {p}" for m, p, _ in PUBLIC])
def test_every_error_is_the_one_error_model(method: str, path: str, operation: dict[str, Any]) -> None:
    answers = operation["responses"]
    errors = {int(status) for status in answers if status.isdigit() and int(status) >= 400}
    assert 422 in errors or not (operation.get("parameters") or operation.get("requestBody"))
    for status in errors:
        expected = DUPLICATE_REF if (method, path, status) in DUPLICATE_ANSWERS else ERROR_REF
        assert answers[str(status)]["content"]["application/json"]["schema"] == expected, status
    if (method, path) not in LOCAL_ROUTES:
        assert {401, 403, 502, 503} <= errors  # a caller is asked for, a service is asked
    elif path not in ANONYMOUS:
        assert {401, 403} <= errors  # the gateway's own routes of a signed-in caller
    if "requestBody" in operation:
        assert {413, 415, 422} <= errors
    if "{" in path:
        assert 404 in errors


def test_fastapi_validation_error_shape_is_gone() -> None:
    assert "HTTPValidationError" not in SPEC["components"]["schemas"]
    assert SPEC["components"]["schemas"]["ErrorBody"]["required"] == ["detail", "errors"]
    token = _documented("POST", "/api/v1/auth/token")
    # No service; 401 for a wrong password, 429 once throttled.
    assert set(token) == {"200", "401", "413", "415", "422", "429"}
    # A service judges the filters a route passes on as they came: its 422 is passed on.
    assert _documented("GET", "/api/v1/patients")["422"]["content"]["application/json"]["schema"] == ERROR_REF


def test_a_document_content_is_documented_as_bytes_of_any_type() -> None:
    """Break: `_answers_bytes` answering False -> application/json documented, fails (and
    schemathesis's content_type_conformance fails on the PDF)."""
    answer = _documented("GET", "/api/v1/documents/{document_id}/content")["200"]
    assert answer["content"] == {"*/*": {"schema": {"type": "string", "format": "binary"}}}
    assert "application/json" in _documented("GET", "/api/v1/documents/{document_id}")["200"]["content"]


def test_the_readiness_503_is_documented_and_liveness_has_none() -> None:
    assert "503" in _documented("GET", "/health/ready")
    assert set(_documented("GET", "/health/live")) == {"200"}


def _check(response: Any, method: str, path: str) -> None:
    documented = _documented(method, path)
    assert str(response.status_code) in documented, (response.status_code, sorted(documented))
    ErrorBody.model_validate(response.json())


def test_refusals_sent_are_documented(world: World) -> None:
    """Each kind of refusal, really sent, has a documented status and the documented body."""
    member = world.caller(member=True)
    notes = f"/api/v1/patients/{world.patient}/notes"
    templated = "/api/v1/patients/{patient_id}/notes"
    _check(world.client.post(notes, json={"text": "x"}), "POST", templated)  # 401
    _check(world.client.post(notes, json={"text": "x"}, headers=world.caller().headers), "POST", templated)  # 403
    _check(world.client.post(notes, content=b"text=x", headers={
        **member.headers, "content-type": "application/x-www-form-urlencoded"}), "POST", templated)  # 415
    _check(world.client.post(notes, json={"text": "x" * 1024 * 1024}, headers=member.headers),
           "POST", templated)  # 413
    _check(world.client.post(notes, content=b'{"a": NaN}', headers={
        **member.headers, "content-type": "application/json"}), "POST", templated)  # 422
    upload = "/api/v1/patients/{patient_id}/documents"
    _check(world.client.post(upload.format(patient_id=world.patient), content=b"x", headers={
        **member.headers, "content-type": "multipart/form-data"}), "POST", upload)  # 400: no boundary
    _check(world.client.get("/api/v1/alerts", params={"limit": 0}, headers=member.headers),
           "GET", "/api/v1/alerts")  # 422 of a parameter
    _check(world.client.post("/api/v1/auth/token", json={}), "POST", "/api/v1/auth/token")  # 422
    _check(world.client.post("/api/v1/auth/token", json={"username": "nobody@x.org", "password": "wrong"}),
           "POST", "/api/v1/auth/token")  # 401


def test_405_allows_every_method_of_the_path(world: World) -> None:
    admin = world.caller("admin")
    for path, item in SPEC["paths"].items():
        served = {method.upper() for method in item if method in METHODS}
        unserved = next(m for m in ("PUT", "DELETE", "PATCH", "POST") if m not in served)
        url = re.sub(r"\{\w+\}", lambda _: str(uuid.uuid4()), path.replace("{patient_id}", world.patient))
        response = world.client.request(unserved, url, headers=admin.headers)
        assert response.status_code == 405, (path, response.status_code)
        assert set(response.headers["allow"].split(", ")) == served, path
        ErrorBody.model_validate(response.json())
    assert world.platform.calls == []


def test_the_asyncapi_document_is_served_beside_the_openapi(world: World) -> None:
    """Break: the /asyncapi.json route left out of api.py -> 404, fails."""
    response = world.client.get("/asyncapi.json")
    assert response.status_code == 200
    assert response.json() == json.loads(render())


def test_head_is_not_served_and_its_405_says_so(world: World) -> None:
    """FastAPI serves no HEAD beside GET (the OpenAPI document lists none): a HEAD is a 405
    whose Allow names the path's methods, HEAD not among them."""
    response = world.client.head("/api/v1/alerts", headers=world.caller().headers)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    item = SPEC["paths"]["/api/v1/alerts"]
    assert "head" not in item


def _strings_and_integers(schema: Any, seen: set[int]) -> list[dict[str, Any]]:
    schemas = SPEC["components"]["schemas"]
    if not isinstance(schema, dict) or id(schema) in seen:
        return []
    seen.add(id(schema))
    found = [schema] if schema.get("type") in ("string", "integer") else []
    children = [schemas[schema["$ref"].rsplit("/", 1)[-1]]] if "$ref" in schema else []
    children += list(schema.get("properties", {}).values()) + [schema.get("items")]
    children += [s for key in ("anyOf", "oneOf", "allOf") for s in schema.get(key, [])]
    return found + [leaf for child in children for leaf in _strings_and_integers(child, seen)]


def test_what_the_body_guard_refuses_is_in_the_schemas() -> None:
    """No NUL in a JSON body's or a query's strings, integers within 64 bits: said by each schema.
    Break: `document_guard(spec)` left out of answers.py -> fails on the token's username
    (schemathesis's positive_data_acceptance then fails on a NUL in it at 100 examples)."""
    leaves: list[dict[str, Any]] = []
    for _, _, operation in PUBLIC:
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        roots = [body["schema"]] if body else []
        roots += [p["schema"] for p in operation.get("parameters", []) if p["in"] == "query"]
        for root in roots:
            leaves += _strings_and_integers(root, set())
    assert len(leaves) > 20
    for leaf in leaves:
        if leaf["type"] == "string":
            assert _refuses_nul(leaf.get("pattern")) or {"format", "enum", "const"} & set(leaf), leaf
        else:
            assert leaf["minimum"] >= -(2**63) and leaf["maximum"] <= 2**63 - 1, leaf
    username = SPEC["components"]["schemas"]["Credentials"]["properties"]["username"]
    assert _refuses_nul(username["pattern"])


def _refuses_nul(pattern: str | None) -> bool:
    """The schema's own pattern (a typed field's, or the guard's) refuses a NUL inside a text."""
    return pattern is not None and re.search(pattern, "a\x00b") is None
