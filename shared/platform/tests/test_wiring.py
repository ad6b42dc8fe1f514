"""The wiring point: a service's parts built from its settings, the internal API guarded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from fastapi import APIRouter
from fastapi.testclient import TestClient
from platform_fakes import Marks, effects, translate
from pydantic import BaseModel

from ecovid_platform.consumer import Projects
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.wiring import Wiring, wire


class Thing(BaseModel):
    name: str
    count: int


@pytest.fixture
def parts(tmp_path: Path) -> Iterator[Wiring]:
    settings = ServiceSettings(data_dir=tmp_path, kafka_bootstrap="127.0.0.1:1", internal_token="s3cret",
                               consumer_max_attempts=4, _env_file=None)
    wiring = wire("platform-test", Marks, settings, read_models=[effects])
    yield wiring
    wiring.app.close()
    structlog.reset_defaults()


def test_wires_relay_consumers_and_process_from_the_settings(parts: Wiring) -> None:
    parts.publish_through_outbox(translate, "platform-test.events")
    parts.consume("platform-test.urgent", "a.events", {"PatientRegistered": Projects(lambda s, e: None)})
    parts.consume("platform-test.relaxed", ["a.events", "b.events"], {}, urgent=False)
    urgent, relaxed = parts.consumers
    assert urgent.topics == ("a.events",) and relaxed.topics == ("a.events", "b.events")
    assert urgent.max_attempts == 4
    assert urgent.linger_seconds < relaxed.linger_seconds
    assert urgent.fetch_max_wait_ms < relaxed.fetch_max_wait_ms
    assert parts.relay is not None and parts.relay.name == "platform-test.outbox"
    service = parts.process(parts.http([]))
    assert service.relay is parts.relay and list(service.consumers) == parts.consumers


def test_the_internal_api_needs_the_internal_token_and_health_does_not(parts: Wiring) -> None:
    router = APIRouter()

    @router.get("/things")
    def things() -> list[str]:
        return ["thing"]

    client = TestClient(parts.http([router]))
    assert client.get("/things").status_code == 401
    assert client.get("/things", headers={"X-Internal-Token": "wrong"}).status_code == 401
    assert client.get("/things", headers={"X-Internal-Token": "s3cret"}).json() == ["thing"]
    assert client.get("/health/live").status_code == 200
    ready = client.get("/health/ready")  # no broker listens on port 1
    assert ready.status_code == 503 and "broker" in ready.text


def test_every_services_internal_api_guards_its_json_bodies(parts: Wiring) -> None:
    """The same body guard as the gateway's: a service never 500s on a body the gateway
    would have refused (break: `install_body_guard` dropped from `http`)."""
    router = APIRouter()

    @router.post("/things")
    def add(thing: Thing) -> dict[str, Any]:
        return thing.model_dump()

    client = TestClient(parts.http([router]), headers={"X-Internal-Token": "s3cret"})
    for raw, field in ((b'{"name": "a", "count": 18446744073709551616}', "count"),
                       (b'{"name": "\\ud800", "count": 1}', "name"), (b'{"name": "a\\u0000", "count": 1}', "name")):
        response = client.post("/things", content=raw, headers={"content-type": "application/json"})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == field, response.text
    assert client.post("/things", content=b"name=a", headers={"content-type": "text/plain"}).status_code == 415
    assert client.post("/things", json={"name": "a", "count": 1}).json() == {"name": "a", "count": 1}
