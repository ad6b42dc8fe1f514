"""Ready means able to serve, and the supervisor names the real cause when a part cannot start.

One stack (SQLite: what is shown here does not depend on the database engine) for the
readiness and broker-restart tests; the start-up failures need no stack at all.
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ecovid_stack import __main__ as supervisor
from ecovid_stack import broker as tansu
from ecovid_stack.causes import DatabaseUnreachable, PortInUse, StackError
from ecovid_stack.ports import Ports
from ecovid_stack.stack import Stack, StackConfig

from tests.integration.kafka_tools import produce, read_all
from tests.integration.support import ADMIN, PASSWORD, Api, eventually, start_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = start_stack(tmp_path_factory.mktemp("readiness"), None)
    yield stack
    stack.stop()


def ready(stack: Stack, service: str) -> httpx.Response:
    return httpx.get(f"{stack.url(service)}/health/ready", timeout=10)


def test_the_gateway_is_not_ready_while_a_service_behind_it_is_down_and_serves_as_soon_as_it_says_ready(
    stack: Stack,
) -> None:
    """Break: the gateway's readiness without the services' (`parts.health()` in gateway/bootstrap.py)
    -> fails (200 while dossier is down)."""
    admin = Api.login(stack.url("gateway"), ADMIN["username"], ADMIN["password"])
    _, email = admin.professional(admin.structure())
    doctor = Api.login(stack.url("gateway"), email, PASSWORD)

    assert stack.stop_service("dossier") == 0
    answer = ready(stack, "gateway")
    assert answer.status_code == 503
    assert answer.json()["checks"]["dossier"].startswith("failing: unreachable")
    assert "dossier" in answer.json()["detail"]
    assert {name: state for name, state in answer.json()["checks"].items() if state != "ok"}.keys() == {"dossier"}
    assert httpx.get(f"{stack.url('gateway')}/health/live").status_code == 200  # up, only not ready

    stack.start_service("dossier")
    # The first moment the gateway says ready, a request that needs dossier succeeds.
    eventually(lambda: ready(stack, "gateway").status_code == 200, timeout=90, interval=0.05)
    doctor.patient()


def test_restart_broker_brings_back_an_empty_broker_on_the_same_port_and_the_stack_keeps_serving(
    stack: Stack,
) -> None:
    """Break: `restart_broker` that only stops the broker -> fails (no new broker process).
    Break: one that starts without stopping -> fails (PortInUse, held by the old tansu)."""
    produce(stack.kafka_bootstrap, "readiness.probe", [b"before the restart"])
    assert [r.value for r in read_all(stack.kafka_bootstrap, "readiness.probe")] == [b"before the restart"]
    old_broker = stack.broker

    stack.restart_broker()

    assert stack.broker is not old_broker and stack.broker is not None and stack.broker.poll() is None
    assert stack.kafka_bootstrap == f"127.0.0.1:{stack.config.ports.kafka}"
    assert read_all(stack.kafka_bootstrap, "readiness.probe") == []  # memory storage: empty
    eventually(lambda: ready(stack, "gateway").status_code == 200, timeout=90)
    # Every service answers the new broker again (each one's ready pings it), and requests
    # that cross several services succeed. That the services' events reach the new broker
    # and raise their effects is the restart tests' claim (tests/integration/test_restart.py).
    admin = Api.login(stack.url("gateway"), ADMIN["username"], ADMIN["password"])
    _, email = admin.professional(admin.structure())
    Api.login(stack.url("gateway"), email, PASSWORD).patient()
    produce(stack.kafka_bootstrap, "readiness.probe", [b"after the restart"])
    assert [r.value for r in read_all(stack.kafka_bootstrap, "readiness.probe")] == [b"after the restart"]


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port something else listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def ports_with_gateway_on(port: int) -> Ports:
    free = Ports.free()
    return Ports(
        kafka=free.kafka, http={**free.http, "gateway": port}, mllp=free.mllp, smtp=free.smtp,
    )


def test_a_taken_port_is_named_before_anything_starts(tmp_path: Path, held_port: int) -> None:
    """Break: drop `check_ports_free` from `Stack.start` -> fails (every part starts, then the
    gateway dies with 'exited with 1 while starting')."""
    stack = Stack(StackConfig(ports=ports_with_gateway_on(held_port), data_dir=tmp_path / "data",
                              log_dir=tmp_path / "logs"))
    try:
        with pytest.raises(PortInUse) as refused:
            stack.start(timeout=60)
    finally:
        stack.stop()
    message = str(refused.value)
    assert message.startswith("port in use: ")
    assert f"{held_port} (gateway) is held by pid {os.getpid()}" in message
    assert stack.broker is None and stack.processes == {}


def test_the_supervisor_says_port_in_use_and_exits_non_zero(
    tmp_path: Path, held_port: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Break: catch only TimeoutError in `ecovid_stack.__main__.run` -> fails (a traceback, no message)."""
    monkeypatch.setattr(supervisor, "PORT_GRACE_SECONDS", 0.5)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        status = supervisor.run(tmp_path / "data", ports_with_gateway_on(held_port))
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    assert status == 1
    assert f"the stack did not start: port in use: {held_port} (gateway)" in capsys.readouterr().err


def test_an_unreachable_database_is_named_before_anything_starts(tmp_path: Path) -> None:
    """Break: drop `check_database` from `Stack.start` -> fails (the services die one after another)."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens on it once closed
    postgres = {"POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": str(port), "POSTGRES_DBNAME": "ecovid",
                "POSTGRES_USER": "postgres", "POSTGRES_PASSWORD": ""}
    stack = Stack(StackConfig(ports=Ports.free(), data_dir=tmp_path / "data", postgres=postgres))
    try:
        with pytest.raises(DatabaseUnreachable, match=f"database unreachable: PostgreSQL at 127.0.0.1:{port}"):
            stack.start(timeout=60)
    finally:
        stack.stop()
    assert stack.broker is None and stack.processes == {}


def test_a_broker_that_cannot_start_shows_its_own_error(tmp_path: Path, held_port: int) -> None:
    """tansu on a taken port (what a quick `make run` again used to meet): its panic is shown.

    Break: raise without the end of the broker's log in `wait_for_port` -> fails."""
    with pytest.raises(StackError, match="the broker exited with") as refused:
        tansu.start_broker(held_port, tmp_path / "broker.log")
    assert "Address in use" in str(refused.value) or "AddrInUse" in str(refused.value)


def test_a_broker_that_died_is_reported_with_the_end_of_its_log(tmp_path: Path) -> None:
    """Break: `Stack.cause` without the log's tail -> fails."""
    stack = Stack(StackConfig(ports=Ports.free(), data_dir=tmp_path / "data"))
    stack.start_broker()
    try:
        assert stack.failed() is None
        assert stack.broker is not None
        stack.broker.kill()
        stack.broker.wait()
        assert stack.failed() == "broker"
        cause = stack.cause("broker")
        assert cause.startswith("the broker exited with -9; the end of ")
        assert f"listening on: tcp://127.0.0.1:{stack.config.ports.kafka}" in cause
    finally:
        stack.stop()
