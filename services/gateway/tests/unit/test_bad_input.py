"""Bad input is refused at the gateway with a 4xx naming the field, before any service is asked.

Every public route with a JSON body is generated from the OpenAPI document, so a route
added later is covered too.

Breaks (each made once, watched failing, restored):
- `install_body_guard(api)` removed from gateway/entrypoints/api.py -> every cell of
  test_every_json_route_refuses_what_no_store_carries fails (500 for 2^64 and the surrogate,
  the NaN forwarded as null), the NaN SpO2 test and the 413 test fail.
- the alerts route's `offset: Offset` back to `Annotated[int, Query(ge=0)]` -> the alerts
  cell of test_paging_is_bounded fails (the huge offset reaches alerting).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from conftest import World
from fastapi import APIRouter

from ecovid_platform.paging import MAX_LIMIT, MAX_OFFSET

from gateway.entrypoints.api import public_api


def _json_routes() -> list[tuple[str, str]]:
    spec = public_api(None, APIRouter()).openapi()  # type: ignore[arg-type]
    return [
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]


JSON_ROUTES = _json_routes()
# Raw bodies, as a careless or hostile client sends them: Python's json reads them all.
BAD_VALUES = {
    "2^64": (b"18446744073709551616", "integer out of range"),
    "lone surrogate": (b'"\\ud800"', "lone surrogate"),
    "NaN": (b"NaN", "finite"),
    "Infinity": (b"-Infinity", "finite"),
    "1e400": (b"1e400", "finite"),
    "NUL": (b'"a\\u0000b"', "NUL"),
}


def _url(path: str, world: World) -> str:
    return path.replace("{patient_id}", world.patient).replace("{structure_id}", world.structure).format(
        **{name: str(uuid.uuid4())
           for name in ("episode_id", "objective_id", "alert_id", "document_id", "admission_id")})


def test_the_generated_list_covers_the_free_form_write_routes() -> None:
    assert len(JSON_ROUTES) >= 15
    assert ("POST", "/api/v1/care-episodes/{episode_id}/readings") in JSON_ROUTES
    assert ("POST", "/api/v1/patients/{patient_id}/notes") in JSON_ROUTES
    assert ("POST", "/api/v1/rule-sets/dry-run") in JSON_ROUTES


@pytest.mark.parametrize("route", JSON_ROUTES, ids=" ".join)
@pytest.mark.parametrize("bad", BAD_VALUES, ids=str)
def test_every_json_route_refuses_what_no_store_carries(world: World, route: tuple[str, str], bad: str) -> None:
    admin = world.caller("admin")
    raw, words = BAD_VALUES[bad]
    body = b'{"temperature": 37.2, "text": "x", "field": %s}' % raw
    method, path = route
    response = world.client.request(method, _url(path, world), content=body,
                                    headers={**admin.headers, "content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "field"
    assert words in response.json()["errors"][0]["message"]
    assert world.platform.calls == []  # refused before the access check and any service


def test_a_reading_with_nan_spo2_never_reaches_the_service_as_null(world: World) -> None:
    member = world.caller(member=True)
    episode = str(uuid.uuid4())
    world.platform.episodes[episode] = world.patient
    body = b'{"taken_at": "2026-11-30T08:00:00Z", "temperature": 38.1, "spo2": NaN}'
    response = world.client.post(f"/api/v1/care-episodes/{episode}/readings", content=body,
                                 headers={**member.headers, "content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "spo2", "message": response.json()["errors"][0]["message"]}]
    assert world.platform.calls_to("monitor") == []


def test_a_json_route_given_another_content_type_is_415(world: World) -> None:
    member = world.caller(member=True)
    response = world.client.post(f"/api/v1/patients/{world.patient}/notes", content=b"text=hello",
                                 headers={**member.headers, "content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415, response.text
    assert set(response.json()) == {"detail", "errors"}
    assert world.platform.calls == []


def test_a_body_over_the_limit_is_413(world: World) -> None:
    member = world.caller(member=True)
    body = {"text": "x" * (1024 * 1024)}
    response = world.client.post(f"/api/v1/patients/{world.patient}/notes", json=body, headers=member.headers)
    assert response.status_code == 413, response.text
    assert response.json()["errors"][0]["field"] == "body"
    assert world.platform.calls == []


LISTS = {
    "alerts": ("/api/v1/alerts", {}),
    "monitoring": ("/api/v1/monitoring/patients", {"population": "adults"}),
    "documents": ("/api/v1/patients/{patient}/documents", {}),
    "timeline": ("/api/v1/patients/{patient}/timeline", {}),
}


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize(("parameter", "value"), [
    ("offset", 2**63), ("offset", MAX_OFFSET + 1), ("offset", -1), ("limit", MAX_LIMIT + 1), ("limit", 0),
])
def test_paging_is_bounded(world: World, name: str, parameter: str, value: int) -> None:
    member = world.caller(member=True)
    path, params = LISTS[name]
    query: dict[str, Any] = {**params, parameter: value}
    response = world.client.get(path.format(patient=world.patient), params=query, headers=member.headers)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [parameter]
    assert not [c for c in world.platform.calls if c.service != "care-circle"]


@pytest.mark.parametrize("name", LISTS)
def test_the_bounds_themselves_pass(world: World, name: str) -> None:
    member = world.caller(member=True)
    path, params = LISTS[name]
    query = {**params, "offset": MAX_OFFSET, "limit": MAX_LIMIT}
    response = world.client.get(path.format(patient=world.patient), params=query, headers=member.headers)
    assert response.status_code == 200, response.text


def test_the_upload_form_given_json_is_415(world: World) -> None:
    member = world.caller(member=True)
    response = world.client.post(f"/api/v1/patients/{world.patient}/documents", json={"title": "x"},
                                 headers=member.headers)
    assert response.status_code == 415 and "multipart/form-data" in response.json()["detail"], response.text
    assert world.platform.calls == []
    # The token first: the 415 is decided once validation fails, after the caller is known.
    anonymous = world.client.post(f"/api/v1/patients/{world.patient}/documents", json={"title": "x"})
    assert anonymous.status_code == 401
