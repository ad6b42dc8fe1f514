"""Every refusal the public API can give, declared in its OpenAPI document as it is sent.

Each error answer is `{detail, errors: [{field, message}]}` (ecovid_platform.http); FastAPI
would document a 422 of its own shape and no other error at all. Which statuses an
operation can answer follows from how the route is built, so a route added later is
documented too:

- 401 and 403: the route asks for the caller (a token, then a role or the care circle);
- 404: a path names a resource, or a write names one in its body (a structure, a member);
- 409: a write the service can refuse for the resource's state (closed, duplicate, homonym);
- 413 and 415: a body (too large; not the route's content type), 422: a parameter or body;
- 400: a multipart form that cannot be parsed (Starlette's refusal);
- 502 and 503: the route asks a service, which failed or is down.

A service's 4xx is passed on unchanged (gateway.clients), hence the forwarding routes'
404/409/422 even without parameters of their own.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_typed_return_annotation
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field

from ecovid_platform.bodies import LARGEST_INTEGER, SMALLEST_INTEGER, body_kind

from gateway.entrypoints import deps

PUBLIC_PREFIX = "/api/v1"
# The public routes that answer without asking any service (the gateway's own sessions,
# accounts and audit read model).
LOCAL_ROUTES = frozenset({
    ("POST", "/api/v1/auth/token"), ("POST", "/api/v1/auth/refresh"), ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/mfa"), ("POST", "/api/v1/auth/mfa/totp"), ("GET", "/api/v1/auth/oidc/login"),
    ("GET", "/api/v1/auth/oidc/callback"), ("POST", "/api/v1/me/mfa/totp"), ("POST", "/api/v1/me/mfa/totp/confirm"),
    ("POST", "/api/v1/portal/activate"), ("POST", "/api/v1/auditors"), ("GET", "/api/v1/audit/access"),
    ("GET", "/api/v1/me/access-log"),
})
# What a route answering bytes sends: the stored media type, whatever it is.
BYTES_ANSWER = {"description": "The content, in its own media type",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}
# Readiness answers 503 in its own shape (each check named), not as an error body.
NOT_READY = {"description": "Not ready: each failing check is named"}
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_REF = "#/components/schemas/{model}"


class FieldError(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(description="the refused field, dotted ('body' for the body as a whole)")
    message: str


class ErrorBody(BaseModel):
    """Every error answer of the API."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"detail": "spo2: must be a finite number",
                      "errors": [{"field": "spo2", "message": "must be a finite number"}]}],
    })

    detail: str = Field(description="what went wrong, for a person")
    errors: list[FieldError] = Field(description="each refused field; empty when no field is at fault")


class DuplicateIdentity(ErrorBody):
    """A 409 of a registration or an identity correction: the identity matches a patient
    already registered, whose id the front end needs to open that dossier instead."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "detail": "a patient with the same names and birth date already exists: "
                  "9a7b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d; confirm a homonym with confirm_homonym=true",
        "errors": [{"field": "identity", "message": "a patient with the same names and birth date already exists"}],
        "existing_id": "9a7b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", "match": "names",
    }]})

    existing_id: uuid.UUID = Field(description="the patient already registered with this identity")
    match: Literal["ins", "names"] = Field(
        description="what matched: the INS, or the names and birth date (a homonym, confirmable)")


DESCRIPTIONS = {
    400: "The form could not be parsed",
    401: "No bearer token, or an invalid or expired one",
    403: "The caller's role or care circle does not allow it",
    404: "A resource named in the request does not exist",
    409: "Refused in the resource's present state",
    410: "Gone: expired, used or replaced",
    413: "The body is over the size limit",
    415: "The body is not of the route's content type",
    422: "A parameter or a field of the body is invalid; each is named",
    429: "Too many failures: try again after Retry-After seconds",
    502: "A service of the platform failed",
    503: "A service of the platform is unavailable",
}


def statuses(route: APIRoute | RouteContext) -> list[int]:
    """The error statuses this route can answer, from its parameters, body and dependencies."""
    every = _every(route.dependant)
    calls = {dependant.call for dependant in every}
    path_params = any(dependant.path_params for dependant in every)
    methods = set(route.methods)
    forwards = route.path.startswith(PUBLIC_PREFIX) and not any(
        (method, route.path) in LOCAL_ROUTES for method in methods)
    has_body = route.body_field is not None
    has_params = has_body or any(d.path_params or d.query_params or d.header_params for d in every)
    writes = bool(methods & _WRITES)
    found: set[int] = set()
    if deps.principal in calls:
        found |= {401, 403}
    if forwards and (path_params or writes):
        found.add(404)
    if forwards and writes:
        found.add(409)
    if has_body:
        found |= {413, 415}
    if body_kind(route.original_route if isinstance(route, RouteContext) else route) == "form":
        found.add(400)  # a multipart body that cannot be parsed (no boundary): Starlette's 400
    if has_params or forwards:  # a service judges what the gateway passes on (a search's filters)
        found.add(422)
    if forwards:
        found |= {502, 503}
    return sorted(found)


def _answers_bytes(route: RouteContext) -> bool:
    """A route returning a plain Response of its own (a document's content): not JSON."""
    returned = get_typed_return_annotation(route.endpoint)  # the module's annotations may be text
    return isinstance(returned, type) and issubclass(returned, Response) and not issubclass(returned, JSONResponse)


def _every(dependant: Dependant) -> list[Dependant]:
    """The route's dependant and all it depends on, at any depth."""
    found, pending = [], [dependant]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(current.dependencies)
    return found


def document_errors(api: FastAPI) -> None:
    """Make `api.openapi()` declare each operation's error answers with ErrorBody."""

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            spec = FastAPI.openapi(api)  # FastAPI's keeps its result in api.openapi_schema
            _document(api, spec)
            document_guard(spec)
        return api.openapi_schema  # type: ignore[return-value]

    api.openapi = openapi  # type: ignore[method-assign]


def _document(api: FastAPI, spec: dict[str, Any]) -> None:
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorBody.model_json_schema(ref_template=_REF)
    schemas.update(error_schema.pop("$defs", {}))
    schemas["ErrorBody"] = error_schema
    error_answer = {"application/json": {"schema": {"$ref": _REF.format(model="ErrorBody")}}}
    for route in iter_route_contexts(api.routes):  # included routers' routes too
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods:
            operation = spec["paths"][route.path_format][method.lower()]
            answers = operation.setdefault("responses", {})
            for status in statuses(route):
                answer: dict[str, Any] = {"description": DESCRIPTIONS[status], "content": error_answer}
                if status == 401:
                    answer["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"},
                                                              "description": "Bearer"}}
                if status == 422 or str(status) not in answers:  # 422: FastAPI's shape, never sent
                    answers[str(status)] = answer
            for status, answer in answers.items():  # the route's own refusals, in the one model
                if status.isdigit() and int(status) >= 400 and "content" not in answer:
                    answer["content"] = error_answer
            # The alerts' event stream keeps its own media type (text/event-stream).
            if _answers_bytes(route) and "200" in answers and "text/event-stream" not in answers["200"].get(
                    "content", {}):
                answers["200"] = BYTES_ANSWER
            if route.path.startswith("/health") and route.path != "/health/live":
                answers.setdefault("503", NOT_READY)
    # FastAPI's validation error shapes, once referenced by no operation.
    if '"#/components/schemas/HTTPValidationError"' not in json.dumps(spec["paths"]):
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)


# What the body guard (ecovid_platform.bodies) refuses in every JSON body and query, said
# in the schemas it applies to, so a client (and a fuzzer) knows it before trying.
NO_NUL = r"^[^\x00]*$"
_KEEP = ("pattern", "format", "enum", "const")


def document_guard(spec: dict[str, Any]) -> None:
    """No NUL in a JSON body's strings and field names or in a query parameter; integers
    within a signed 64-bit range: each string and integer schema of a JSON request body or
    a query parameter says so, unless it already says more (a format, a pattern, a list)."""
    schemas = spec.get("components", {}).get("schemas", {})
    pending: list[Any] = []
    for item in spec["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                pending.append(body.get("schema"))
            pending += [p.get("schema") for p in operation.get("parameters", []) if p.get("in") == "query"]
    seen: set[int] = set()
    while pending:
        schema = pending.pop()
        if not isinstance(schema, dict) or id(schema) in seen:
            continue
        seen.add(id(schema))
        if "$ref" in schema:
            pending.append(schemas.get(schema["$ref"].rsplit("/", 1)[-1]))
        _bound(schema)
        pending += list(schema.get("properties", {}).values())
        pending += [schema.get(key) for key in ("items", "additionalProperties", "propertyNames")]
        pending += [s for key in ("anyOf", "oneOf", "allOf", "prefixItems") for s in schema.get(key, [])]


def _bound(schema: dict[str, Any]) -> None:
    kind = schema.get("type")
    if kind == "string" and not any(key in schema for key in _KEEP):
        schema["pattern"] = NO_NUL
    elif kind == "integer":
        schema.setdefault("minimum", SMALLEST_INTEGER)
        schema.setdefault("maximum", LARGEST_INTEGER)
    elif kind == "object" and schema.get("additionalProperties", True) is not False:
        schema.setdefault("propertyNames", {"pattern": NO_NUL})


def answers(
    model: Any, status: int = 200, description: str = "Successful Response", refusals: dict[int, str] | None = None,
    conflict: type[ErrorBody] | None = None,
) -> dict[str, Any]:
    """Keyword arguments of a route decorator: `model` documented for `status`, nothing enforced;
    `refusals`: statuses the route raises itself, with what they mean (sent as ErrorBody);
    `conflict`: a 409 that says more than the error body.

    The service that answers validates its answer with the same ecovid_api model (its
    response_model), so the schema shown is what is answered; the gateway passes the answer
    on as it came, unfiltered, for the price of no second validation.
    """
    responses: dict[int | str, dict[str, Any]] = {status: {"model": model, "description": description}}
    if conflict is not None:  # a 409 that says more than the error body (document_errors keeps it)
        responses[409] = {"model": conflict, "description": DESCRIPTIONS[409]}
    responses |= {code: {"description": text} for code, text in (refusals or {}).items()}
    return {"status_code": status, "response_model": None, "responses": responses}
