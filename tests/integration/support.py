"""Helpers of the integration tests: a private stack, a client of the public API, waiting."""

from __future__ import annotations

import atexit
import os
import re
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psycopg

from ecovid_stack.ports import Ports
from ecovid_stack.postgres import EmbeddedPostgres
from ecovid_stack.stack import Stack, StackConfig

T = TypeVar("T")
ADMIN = {"username": "admin@it.local", "password": "integration-admin-password"}
PASSWORD = "integration password 1"
PORTAL_PASSWORD = "mot de passe du patient"
# Explicit, so that tests can mint tokens the gateway accepts (expired ones, in test_access).
JWT_SECRET = "integration-jwt-secret-not-the-development-one"
# The chain's checkpoints signed with a key of the tests' own (verify-chain checks them against it).
CHECKPOINT_SIGNING_KEY = "Cxn1kSVrb3D4R4o5pQ0o7pW9F0aJ3Kq+8zAq1n3pWmU="


def eventually(probe: Callable[[], T | None], timeout: float = 30, interval: float = 0.1) -> T:
    """Wait for eventual consistency by polling, never by sleeping a fixed time."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


def choose_postgres(environ: Mapping[str, str], listening: Callable[[str, int], bool]) -> str:
    """Which PostgreSQL the tests use: "given" (ECOVID_TEST_POSTGRES_HOST/PORT), "running" (one
    listens on 127.0.0.1:5432) or "embedded" (a throwaway server, also when
    ECOVID_TEST_POSTGRES=embedded), so that `make test` needs no PostgreSQL installed."""
    if environ.get("ECOVID_TEST_POSTGRES") == "embedded":
        return "embedded"
    if "ECOVID_TEST_POSTGRES_HOST" in environ or "ECOVID_TEST_POSTGRES_PORT" in environ:
        return "given"
    return "running" if listening("127.0.0.1", 5432) else "embedded"


def _listening(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


_embedded: EmbeddedPostgres | None = None


def postgres_settings() -> dict[str, str]:
    global _embedded
    if choose_postgres(os.environ, _listening) == "embedded":
        if _embedded is None:
            server = EmbeddedPostgres(durable=False)
            server.start()
            _embedded = server
            atexit.register(stop_embedded_postgres)  # also when the session ends abruptly
        return _embedded.settings
    return {
        "POSTGRES_HOST": os.environ.get("ECOVID_TEST_POSTGRES_HOST", "127.0.0.1"),
        "POSTGRES_PORT": os.environ.get("ECOVID_TEST_POSTGRES_PORT", "5432"),
        "POSTGRES_USER": os.environ.get("ECOVID_TEST_POSTGRES_USER", "postgres"),
        "POSTGRES_PASSWORD": os.environ.get("ECOVID_TEST_POSTGRES_PASSWORD", ""),
    }


def stop_embedded_postgres() -> None:
    """At the end of the session (conftest): the throwaway server and its files go."""
    global _embedded
    if _embedded is not None:
        _embedded.close()
        _embedded = None


def admin_connection(settings: dict[str, str]) -> psycopg.Connection[Any]:
    return psycopg.connect(
        host=settings["POSTGRES_HOST"], port=int(settings["POSTGRES_PORT"]),
        user=settings["POSTGRES_USER"], password=settings["POSTGRES_PASSWORD"] or None,
        dbname="postgres", autocommit=True,
    )


def create_database() -> dict[str, str]:
    """A new database per test session, so a run never sees another run's data."""
    settings = postgres_settings()
    name = f"ecovid_it_{uuid.uuid4().hex[:12]}"
    with admin_connection(settings) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return {**settings, "POSTGRES_DBNAME": name}


def drop_database(settings: dict[str, str]) -> None:
    with admin_connection(settings) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{settings["POSTGRES_DBNAME"]}" WITH (FORCE)')


def start_stack(tmp: Path, postgres: dict[str, str] | None, *, timeout: float = 90, **env: str) -> Stack:
    stack = Stack(StackConfig(
        ports=Ports.free(), data_dir=tmp / "data", postgres=postgres, log_dir=tmp / "logs",
        env={
            "ECOVID_ADMIN_EMAIL": ADMIN["username"],
            "ECOVID_ADMIN_PASSWORD": ADMIN["password"],
            "ECOVID_JWT_SECRET": JWT_SECRET,
            "ECOVID_CHECKPOINT_SIGNING_KEY": CHECKPOINT_SIGNING_KEY,
            # A checkpoint every second of activity, so that a test finds its writes under one.
            "ECOVID_CHAIN_CHECKPOINT_SECONDS": "1",
            "ECOVID_LOG_JSON": "true",
            "ECOVID_CONSUMER_MAX_ATTEMPTS": "3",
            # A session's sign-ins outlive the 15-minute default (the admin's, the care team's), and
            # every test signs in from 127.0.0.1: the per-address throttle would count them all.
            "ECOVID_TOKEN_TTL_MINUTES": "240",
            "ECOVID_LOGIN_FAILURES_PER_ADDRESS": "10000",
            # Several stacks share one PostgreSQL (100 connections by default) during a run: at
            # the default pools (2 + 3 overflow, two per service) two stacks under load could
            # exhaust it ("too many clients", seen when another run shared the server).
            "ECOVID_DB_POOL_SIZE": "1",
            "ECOVID_DB_POOL_OVERFLOW": "3",
            **env,
        },
    ))
    try:
        # A machine shared with other runs can take longer: ECOVID_TEST_STACK_START_SECONDS.
        floor = float(os.environ.get("ECOVID_TEST_STACK_START_SECONDS", "90"))
        stack.start(timeout=max(timeout, floor))
    except BaseException:
        stack.stop()
        raise
    return stack


class Api:
    """A professional (or the admin) using the public API of the gateway."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=30)
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    @classmethod
    def login(cls, base_url: str, username: str, password: str) -> Api:
        response = httpx.post(f"{base_url}/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return cls(base_url, response.json()["access_token"])

    def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        response = self.http.request(method, f"/api/v1{path}", **kwargs)
        assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def structure(self, name: str = "Maison de santé Voltaire") -> str:
        return str(self.ok("POST", "/structures", 201, json={"name": name, "kind": "practice"})["id"])

    def professional(self, structure_id: str, email: str | None = None) -> tuple[str, str]:
        email = email or f"pro-{uuid.uuid4().hex[:8]}@example.org"
        body = {
            "email": email, "password": PASSWORD, "first_name": "Anne", "last_name": "Martin",
            "profession": "doctor", "structure_id": structure_id,
        }
        return str(self.ok("POST", "/professionals", 201, json=body)["id"]), email

    def patient(self, last_name: str = "Dupont", birth_date: str = "1950-03-02") -> str:
        body = {
            "last_name": last_name, "first_name": "Héloïse", "birth_date": birth_date,
            "sex": "female", "commune": "Paris",
        }
        # The same person is created again and again across tests: each one is a homonym.
        return str(self.ok("POST", "/patients", 201, json=body, params={"confirm_homonym": "true"})["id"])

    def episode(self, patient_id: str, structure_id: str) -> str:
        body = {"started_on": (datetime.now(UTC) - timedelta(days=2)).date().isoformat(),
                "status": "tested_positive", "structure_id": structure_id}
        return str(self.ok("POST", f"/patients/{patient_id}/care-episodes", 201, json=body)["id"])

    def alerts(self, patient_id: str) -> list[dict[str, Any]]:
        return list(self.ok("GET", "/alerts", params={"patient_id": patient_id, "limit": 500}))


ALARMING = {"temperature": 40.3, "spo2": 90, "heart_rate": 125}
NORMAL = {"temperature": 37.0, "spo2": 98, "heart_rate": 70, "respiratory_rate": 16}


def now_iso(minutes_ago: int = 1) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def invitation_token(mailbox: Path, address: str) -> str | None:
    """The token of the activation link mailed to `address` (the stack's mail sink), if there."""
    for path in sorted(mailbox.glob("*.eml")) if mailbox.exists() else []:
        message = message_from_bytes(path.read_bytes())
        if message["To"] == address:
            body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
            found = re.search(r"token=(\S+)", body)
            return found.group(1) if found else None
    return None


def portal_account(stack: Stack, professional: Api, patient_id: str) -> Api:
    """The patient's portal account, opened as a patient does it: a circle member invites
    them, they activate it with the mailed link, then sign in."""
    address = f"patient-{uuid.uuid4().hex[:8]}@example.org"
    professional.ok("POST", f"/patients/{patient_id}/portal-invitations", 201, json={"email": address})
    token = eventually(lambda: invitation_token(stack.config.data_dir / "mailbox", address), timeout=10)
    gateway = stack.url("gateway")
    Api(gateway).ok("POST", "/portal/activate", 201, json={"token": token, "password": PORTAL_PASSWORD})
    return Api.login(gateway, address, PORTAL_PASSWORD)


def auditor_account(admin: Api) -> Api:
    """An auditor, created by the administrator, signed in."""
    email, password = f"audit-{uuid.uuid4().hex[:6]}@example.org", "an auditor's password"
    admin.ok("POST", "/auditors", 201, json={"email": email, "password": password})
    return Api.login(admin.base_url, email, password)
