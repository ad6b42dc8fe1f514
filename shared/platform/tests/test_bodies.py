"""The JSON body guard of every app: strict JSON (422 naming the field), size (413), content type (415).

Breaks (each made once, watched failing, restored):
- `value_problem` without the integer range -> test_an_integer_beyond_64_bits_is_named fails.
- `value_problem` with `math.isfinite` dropped (floats always fine) -> test_nan_infinity_and_overflow_are_named fails.
- `text_problem` without the NUL test -> test_nul_and_lone_surrogates_are_named fails.
- `BodyGuard` reading the whole body before comparing to the limit -> still passes (memory only);
  `_read` never returning None -> test_a_body_over_the_limit_is_413 fails.
- `is_json` accepting any media type -> test_a_json_route_given_another_type_is_415 fails.
- the 422 handler without its `unsupported_type` question -> the same test fails (422), and
  test_a_form_route_given_json_is_415.
- `_walk` without its depth bound -> test_nesting_is_bounded_however_deep fails;
  `json_problems` not catching RecursionError -> the same test fails.
"""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from fastapi import FastAPI, Form, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel

from ecovid_platform.bodies import MAX_JSON_DEPTH, install_body_guard, json_problems
from ecovid_platform.http import install_correlation, install_error_handlers


class Reading(BaseModel):
    temperature: float | None = None
    spo2: int | None = None
    note: str | None = None
    extra: Any = None


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    install_body_guard(app)
    install_correlation(app, "test")

    @app.post("/readings")
    def record(body: Reading) -> dict[str, Any]:
        return body.model_dump()

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @app.get("/readings")
    def readings() -> list[str]:
        return []

    @app.post("/titles")
    def title(title: Annotated[str, Form()]) -> dict[str, str]:
        return {"title": title}

    return TestClient(app, raise_server_exceptions=False)


def _post(client: TestClient, raw: bytes, content_type: str = "application/json") -> Any:
    return client.post("/readings", content=raw, headers={"content-type": content_type})


@pytest.mark.parametrize("number", ["18446744073709551616", "9223372036854775808", "-9223372036854775809", "1" * 400])
def test_an_integer_beyond_64_bits_is_named(client: TestClient, number: str) -> None:
    response = _post(client, b'{"temperature": 37, "spo2": %s}' % number.encode())
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "spo2"
    assert response.json()["detail"].startswith("spo2: ")


def test_the_largest_64_bit_integers_pass_the_guard(client: TestClient) -> None:
    assert json_problems(b'{"a": 9223372036854775807, "b": -9223372036854775808}') == []


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_nan_infinity_and_overflow_are_named(client: TestClient, value: str) -> None:
    # `extra` takes anything: only the guard stands between NaN and a silent null downstream.
    for field in ("spo2", "extra"):
        response = _post(client, b'{"temperature": 37.5, "%s": %s}' % (field.encode(), value.encode()))
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == [field]
        assert "finite" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(("raw", "field", "words"), [
    (b'{"note": "a\\u0000b"}', "note", "NUL"),
    (b'{"note": "\\ud800"}', "note", "lone surrogate"),
    (b'{"note": "ok \\udfff"}', "note", "lone surrogate"),
    (b'{"extra": {"list": [1, "\\ud83d"]}}', "extra.list.1", "lone surrogate"),
    (b'{"extra": {"\\ud800": 1}}', "extra.\\ud800", "field name"),
])
def test_nul_and_lone_surrogates_are_named(client: TestClient, raw: bytes, field: str, words: str) -> None:
    response = _post(client, raw)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert words in response.json()["errors"][0]["message"]


def test_a_surrogate_pair_and_accents_are_fine(client: TestClient) -> None:
    response = _post(client, '{"note": "Héloïse \\ud83d\\ude00 😀"}'.encode())
    assert response.status_code == 200 and response.json()["note"] == "Héloïse 😀 😀"


def test_nesting_is_bounded_however_deep(client: TestClient) -> None:
    just = b'{"extra": ' + b"[" * (MAX_JSON_DEPTH - 1) + b"]" * (MAX_JSON_DEPTH - 1) + b"}"
    assert _post(client, just).status_code == 200
    for depth in (MAX_JSON_DEPTH, 100_000):  # the second is past Python's recursion limit
        response = _post(client, b'{"extra": ' + b"[" * depth + b"]" * depth + b"}")
        assert response.status_code == 422, response.text
        assert "nested deeper" in response.json()["errors"][0]["message"]


def test_every_problem_is_listed_in_order(client: TestClient) -> None:
    response = _post(client, b'{"temperature": NaN, "spo2": 1e999, "note": "\\u0000"}')
    assert [e["field"] for e in response.json()["errors"]] == ["temperature", "spo2", "note"]


def test_not_utf8_and_malformed_json_are_422_on_body(client: TestClient) -> None:
    for raw in (b'{"note": "\xff"}', b'{"note": '):
        response = _post(client, raw)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "body"


def test_a_json_route_given_another_type_is_415(client: TestClient) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        response = _post(client, b'{"spo2": 97}', content_type)
        assert response.status_code == 415, (content_type, response.text)
        assert response.json()["errors"] == [] and "application/json" in response.json()["detail"]
    response = client.post("/readings", content=b'{"spo2": 97}', headers={"content-type": ""})
    assert response.status_code == 415
    assert _post(client, b'{"spo2": 97}', "application/merge-patch+json").status_code == 200
    assert _post(client, b'{"spo2": 97}', "Application/JSON; charset=utf-8").status_code == 200


def test_a_body_over_the_limit_is_413(client: TestClient) -> None:
    big = b'{"note": "' + b"x" * (1024 * 1024) + b'"}'
    response = _post(client, big)
    assert response.status_code == 413 and response.json()["errors"][0]["field"] == "body"

    def chunks() -> Any:  # no Content-Length: the guard counts as it reads
        yield b'{"note": "'
        for _ in range(1100):
            yield b"x" * 1024
        yield b'"}'

    response = client.post("/readings", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_a_refusal_carries_the_correlation_id(client: TestClient) -> None:
    response = client.post("/readings", content=b'{"spo2": NaN}',
                           headers={"content-type": "application/json", "x-correlation-id": "c-1"})
    assert response.status_code == 422 and response.headers["x-correlation-id"] == "c-1"


def test_a_raw_upload_route_is_not_guarded(client: TestClient) -> None:
    response = client.post("/upload", content=b"\x00" * 2_000_000, headers={"content-type": "application/pdf"})
    assert response.json() == {"size": 2_000_000}
    assert client.get("/readings").status_code == 200


def test_a_nul_in_a_query_parameter_is_named(client: TestClient) -> None:
    response = client.get("/readings", params={"name": "Du\x00pont", "limit": "5"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "name", "message": "contains a NUL character"}]
    assert client.get("/readings", params={"name": "Dupont"}).status_code == 200


def test_a_form_route_given_json_is_415(client: TestClient) -> None:
    """Break: `unsupported_type` accepting any type on a form route -> fails (a 422 on `title`)."""
    response = client.post("/titles", json={"title": "compte rendu"})
    assert response.status_code == 415 and "multipart/form-data" in response.json()["detail"]
    assert client.post("/titles", data={"title": "compte rendu"}).json() == {"title": "compte rendu"}
    assert client.post("/titles", files={"x": ("a.txt", b"a")}, data={"title": "t"}).status_code == 200
