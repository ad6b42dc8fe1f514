"""Refusals are plain exceptions; the HTTP edge gives each kind its status and the error body."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from ecovid_platform import errors
from ecovid_platform.http import HTTPRefusal, install_error_handlers

KINDS = [
    (errors.NotFound, 404),
    (errors.Forbidden, 403),
    (errors.Conflict, 409),
    (errors.Unprocessable, 422),
    (errors.TooLarge, 413),
    (errors.UnsupportedMediaType, 415),
    (errors.Damaged, 500),
    (errors.DomainError, 409),
]


def client_raising(error: Exception) -> TestClient:
    api = FastAPI()
    install_error_handlers(api)

    @api.get("/refuse")
    async def refuse() -> None:
        raise error

    return TestClient(api, raise_server_exceptions=False)


@pytest.mark.parametrize(("kind", "status"), KINDS, ids=[kind.__name__ for kind, _ in KINDS])
def test_each_refusal_kind_answers_its_status_with_the_field_named(kind: type[errors.DomainError], status: int) -> None:
    """Break: map Unprocessable to 400 (or drop `field` from `body`) in http.py -> fails."""
    answer = client_raising(kind("the value is refused", field="temperature")).get("/refuse")
    assert answer.status_code == status
    assert answer.json() == {
        "detail": "the value is refused", "errors": [{"field": "temperature", "message": "the value is refused"}],
    }


def test_a_service_refinement_keeps_its_kind_status_and_may_add_to_the_body() -> None:
    """Break: look the status up by exact class instead of along the MRO -> fails (KeyError, 500)."""

    class DuplicatePatient(errors.Conflict):
        def body(self) -> dict[str, object]:
            return {**super().body(), "existing_id": "p-1"}

    answer = client_raising(DuplicatePatient("a patient with the same INS exists", field="ins")).get("/refuse")
    assert answer.status_code == 409
    assert answer.json()["existing_id"] == "p-1"
    assert answer.json()["errors"] == [{"field": "ins", "message": "a patient with the same INS exists"}]


def test_a_refusal_without_a_field_has_no_errors() -> None:
    answer = client_raising(errors.NotFound("no such patient")).get("/refuse")
    assert (answer.status_code, answer.json()) == (404, {"detail": "no such patient", "errors": []})


def test_a_refusal_passed_on_by_a_proxy_keeps_its_status_and_body() -> None:
    """Break: answer HTTPRefusal through the DomainError handler's 409 -> fails."""
    body = {"detail": "dossier is unavailable", "errors": []}
    answer = client_raising(HTTPRefusal(503, body)).get("/refuse")
    assert (answer.status_code, answer.json()) == (503, body)


def test_the_refusals_module_imports_no_web_framework() -> None:
    """Break: `from fastapi import HTTPException` in errors.py -> fails (lint-imports fails too)."""
    tree = ast.parse(Path(errors.__file__).read_text())
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not imported & {"fastapi", "starlette"}


def test_405_names_every_method_served_at_the_path() -> None:
    """Starlette's own 405 names the methods of the first route matching the path only.
    Break: the Allow of allowed_methods left out of the 405 handler in http.py -> fails ({'GET'})."""
    api, router = FastAPI(), APIRouter(prefix="/v1")
    install_error_handlers(api)

    @router.get("/things")
    async def things() -> list[str]:
        return []

    @router.post("/things")
    async def add() -> None:
        return None

    @router.delete("/things/{name}")
    async def remove(name: str) -> None:
        return None

    api.include_router(router)
    client = TestClient(api)
    answer = client.put("/v1/things")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"
    assert set(answer.json()) == {"detail", "errors"}
    assert client.get("/v1/things/x").headers["allow"] == "DELETE"
