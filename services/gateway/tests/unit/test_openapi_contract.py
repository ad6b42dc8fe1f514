"""The public OpenAPI document: every request body is a typed model, every answer has a schema.

Front ends and the fuzzer build on this document: a free-form body (`dict[str, Any]`) lets
them send anything (they cannot know what the service accepts), an answer without a schema
tells them nothing.

Breaks (each made once, watched failing, restored):
- the notes route's `body: NoteIn` back to `body: dict[str, Any]` ->
  test_no_request_body_is_free_form fails naming `POST /api/v1/patients/{patient_id}/notes`.
- `**answers(Alert...)` removed from the alert list route (answer `-> Any` again) ->
  test_every_operation_documents_its_answer fails naming `GET /api/v1/alerts 200`.
- `responses=_READY_ANSWERS` removed from `GET /health` (ecovid_platform.health) -> the same
  test fails naming `GET /health 200`.
"""

from __future__ import annotations

from typing import Any

import pytest

from ecovid_platform.health import health_router

from gateway.entrypoints.api import public_api

# The public app as bootstrap wires it, health routes included (no check needed to document them).
SPEC = public_api(None, health_router("gateway", {})).openapi()  # type: ignore[arg-type]
OPERATIONS = [
    (method.upper(), path, operation)
    for path, operations in SPEC["paths"].items()
    for method, operation in operations.items()
]
# Answers that are not JSON, on purpose: a file as it was added, and no content.
NOT_JSON = {("GET", "/api/v1/documents/{document_id}/content"), ("GET", "/api/v1/alerts/stream")}


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = SPEC["components"]["schemas"][name]
    return schema


def _free_form(schema: dict[str, Any], media_type: str) -> str | None:
    """Why the body's schema lets anything through, or None when it is a typed model."""
    schema = _resolve(schema)
    if schema.get("type") != "object" or not schema.get("properties"):
        return f"not an object with properties: {schema}"
    # A form's unknown fields are never read; a JSON body's must be refused, not dropped.
    if media_type == "application/json" and schema.get("additionalProperties") is not False:
        return "unknown fields allowed (additionalProperties is not false)"
    untyped = [name for name, field in schema["properties"].items() if not field]
    if untyped:
        return f"untyped fields {untyped}"
    return None


def test_there_are_bodies_to_check() -> None:
    bodies = [op for _, _, op in OPERATIONS if "requestBody" in op]
    assert len(bodies) >= 18  # every write route of the contract


def test_no_request_body_is_free_form() -> None:
    free = {}
    for method, path, operation in OPERATIONS:
        for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
            why = _free_form(content.get("schema", {}), media_type)
            if why:
                free[f"{method} {path}"] = why
    assert free == {}


def test_every_body_model_has_an_example() -> None:
    missing = []
    for method, path, operation in OPERATIONS:
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content and not _resolve(content["application/json"]["schema"]).get("examples"):
            missing.append(f"{method} {path}")
    assert missing == []


def test_every_operation_documents_its_answer() -> None:
    undocumented = []
    for method, path, operation in OPERATIONS:
        for status, answer in operation["responses"].items():
            if not status.startswith("2") or status == "204" or (method, path) in NOT_JSON:
                continue
            schema = answer.get("content", {}).get("application/json", {}).get("schema")
            if not schema or not (schema.get("$ref") or schema.get("type")):
                undocumented.append(f"{method} {path} {status}")
    assert undocumented == []


def test_the_alert_stream_is_documented_as_server_sent_events() -> None:
    """break: the stream's response_class removed -> documented as */* bytes, fails."""
    content = SPEC["paths"]["/api/v1/alerts/stream"]["get"]["responses"]["200"]["content"]
    event = content["text/event-stream"]["schema"]
    assert set(content) == {"text/event-stream"}
    assert event["type"] == "object" and set(event["required"]) == {"event", "data"}


@pytest.mark.parametrize(("method", "path"), sorted(NOT_JSON - {("GET", "/api/v1/alerts/stream")}))
def test_the_file_answer_is_documented_as_binary(method: str, path: str) -> None:
    """The stored media type is sent as it is, whatever it is (answers.BYTES_ANSWER)."""
    content = SPEC["paths"][path][method.lower()]["responses"]["200"]["content"]
    assert content == {"*/*": {"schema": {"type": "string", "format": "binary"}}}
