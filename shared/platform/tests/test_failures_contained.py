"""An unexpected error ends its own request with a 500, and nothing else: the exception
does not reach uvicorn, which would close the connection (the gateway's kept-alive
connection, whose next request is another user's).

Break: `contain_failures` without its `except Exception` ->
test_an_unexpected_error_is_answered_and_goes_no_further fails.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from ecovid_platform.http import contain_failures, install_error_handlers


def _failing_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/deep")
    def deep() -> None:
        raise RecursionError("maximum recursion depth exceeded")

    return app


async def _call(app: Any, scope_type: str = "http") -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": scope_type, "method": "GET", "path": "/deep", "raw_path": b"/deep", "root_path": "",
             "query_string": b"", "headers": [], "http_version": "1.1", "scheme": "http",
             "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1234)}
    await app(scope, receive, send)
    return sent


async def test_an_unexpected_error_is_answered_and_goes_no_further() -> None:
    sent = await _call(contain_failures(_failing_app()))
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 500
    assert b'"internal error"' in sent[1]["body"]


async def test_without_it_starlette_raises_the_error_again_after_answering() -> None:
    """Why the wrapper exists: this is what uvicorn saw, and closed the connection for."""
    with pytest.raises(RecursionError):
        await _call(_failing_app())
