"""JSON request bodies held to what every hop and every store can carry, at the edge of each app.

Python's json module accepts more than JSON or the rest of the chain does: NaN and
Infinity (and 1e400, read as infinity), integers of any size, lone surrogates
("\\ud800") and NUL characters. Downstream, orjson writes NaN as null (a clinical value
silently lost) and fails on big integers and surrogates (a 500), and PostgreSQL refuses
NUL in text. So every app (the gateway and each service, one definition) refuses such a
body with a 422 naming the field, before any route reads it; a body over the size limit
is a 413, and a route given a body of another content type than its own a 415.

Only bodies sent as JSON are read here: a document's bytes or a multipart form keep
the limits of the route that reads them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, params
from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The largest JSON body: a record section of 200 entries with long accented texts fits.
MAX_JSON_BODY_BYTES = 1024 * 1024
# No public body nests deeper than a rule-set document (about 8 levels).
MAX_JSON_DEPTH = 32
# What PostgreSQL's bigint, the event store and orjson all carry.
SMALLEST_INTEGER, LARGEST_INTEGER = -(2**63), 2**63 - 1
# Enough for the caller to see the pattern; the walk stops there.
MAX_REPORTED = 20
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def printable(part: object) -> str:
    """A field name fit for the error body: a lone surrogate shown escaped, never sent as is."""
    return str(part).encode("utf-8", "backslashreplace").decode("utf-8")


def field_of(path: Sequence[object]) -> str:
    return ".".join(printable(part) for part in path) or "body"


def text_problem(text: str) -> str | None:
    """What no store of the platform keeps in a string."""
    if "\x00" in text:
        return "contains a NUL character"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "contains a lone surrogate (not valid Unicode)"
    return None


def value_problem(value: Any) -> str | None:
    """The problem of one scalar JSON value, or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        if not SMALLEST_INTEGER <= value <= LARGEST_INTEGER:
            return "integer out of range (a signed 64-bit integer at most)"
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "must be a finite number (not NaN, Infinity or out of range)"
    if isinstance(value, str):
        return text_problem(value)
    return None


def json_problems(body: bytes) -> list[dict[str, str]]:
    """Each `{field, message}` this body breaks; empty when it is fit (or not JSON at all:
    FastAPI then reports the malformed JSON as it always has)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return [{"field": "body", "message": "not valid UTF-8"}]
    try:
        document = json.loads(text)
    except RecursionError:
        return [{"field": "body", "message": f"nested deeper than {MAX_JSON_DEPTH} levels"}]
    except ValueError:
        return []
    return _walk(document)


def query_problems(query_string: bytes) -> list[dict[str, str]]:
    """The query parameters carrying a NUL (`%00`), which PostgreSQL refuses in a filter."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return [{"field": printable(name.replace("\x00", "\\0")), "message": "contains a NUL character"}
            for name, value in pairs if "\x00" in name or "\x00" in value][:MAX_REPORTED]


def _walk(document: Any) -> list[dict[str, str]]:
    """Iterative, so a deep document costs no recursion; stops at MAX_REPORTED problems."""
    problems: list[dict[str, str]] = []
    pending: list[tuple[tuple[object, ...], Any]] = [((), document)]
    while pending and len(problems) < MAX_REPORTED:
        path, value = pending.pop()
        if isinstance(value, dict | list):
            if len(path) >= MAX_JSON_DEPTH:
                problems.append({"field": field_of(path), "message": f"nested deeper than {MAX_JSON_DEPTH} levels"})
                continue
            items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
            for key, item in items:
                if isinstance(key, str) and (problem := text_problem(key)) is not None:
                    problems.append({"field": field_of((*path, key)), "message": f"field name {problem}"})
            # Reversed: popped in the document's order, so the first problem reported is the first one.
            pending.extend(((*path, key), item) for key, item in reversed(items))
        elif (problem := value_problem(value)) is not None:
            problems.append({"field": field_of(path), "message": problem})
    return problems[:MAX_REPORTED]


def refusal(status: int, problems: list[dict[str, str]], detail: str | None = None) -> JSONResponse:
    """The API's error body, as install_error_handlers shapes it."""
    first = problems[0] if problems else {"field": "body", "message": detail or "request refused"}
    return JSONResponse(
        status_code=status, content={"detail": detail or f"{first['field']}: {first['message']}", "errors": problems},
    )


_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def body_kind(route: BaseRoute) -> str | None:
    """"json" for a FastAPI route whose body is a JSON model, "form" for a form (files
    included), None for no declared body (none, or raw bytes read by hand)."""
    if not isinstance(route, APIRoute) or route.body_field is None:
        return None
    return "form" if isinstance(route.body_field.field_info, params.Form) else "json"


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_json(content_type: str | None) -> bool:
    if content_type is None:
        return False  # as FastAPI's strict content type: an unlabelled body is not taken for JSON
    media = media_type(content_type)
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class BodyGuard:
    """ASGI middleware: the size (413) and the strict JSON (422) of every JSON body written,
    and no NUL in a query parameter (422) of any request.

    Any body labelled JSON, whatever the route: none wants NaN or a NUL, and which route
    a request reaches is the router's business. Other bodies (a document's bytes, a
    multipart form) pass untouched, to the limits of the route that reads them.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_JSON_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if b"%00" in scope.get("query_string", b"") and (problems := query_problems(scope["query_string"])):
            return await refusal(422, problems)(scope, receive, send)
        if scope["method"] not in _WRITE_METHODS:
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        if not is_json(headers.get("content-type")):
            return await self.app(scope, receive, send)
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self._too_large(scope, receive, send)
        body = await self._read(receive)
        if body is None:
            return await self._too_large(scope, receive, send)
        problems = json_problems(body) if body else []
        if problems:
            return await refusal(422, problems)(scope, receive, send)
        return await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it passes the limit (never more held in memory)."""
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"the body is over {self.limit} bytes"
        await refusal(413, [{"field": "body", "message": detail}], detail)(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: the disconnect, when it comes

    return replayed


def unsupported_type(request: Request) -> str | None:
    """Why a body refused by validation was refused for its content type (a 415), if so:
    of another type than the route's (JSON, or a form). Asked by the 422 handler, hence
    after the caller's token is checked: an anonymous caller is still a 401 first."""
    kind = body_kind(request.scope["route"]) if "route" in request.scope else None
    content_type = request.headers.get("content-type")
    if kind is None or (kind == "json" and is_json(content_type)):
        return None
    if kind == "form" and media_type(content_type) in _FORM_TYPES:
        return None
    if request.headers.get("content-length", "0") == "0" and "transfer-encoding" not in request.headers:
        return None  # no body at all: the 422 names the missing fields
    expected = "application/json" if kind == "json" else " or ".join(_FORM_TYPES)
    return f"send the body as {expected}, not {printable(content_type or 'no content type')}"


def install_body_guard(app: FastAPI) -> None:
    """Before install_correlation: a refusal here still carries the correlation id."""
    app.add_middleware(BodyGuard)
