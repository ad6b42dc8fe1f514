"""SIGTERM (what the supervisor and Kubernetes send) drains the requests in flight, then stops every
service cleanly, with exit 0.

A request is made to be in flight at the signal, not by luck: its headers and half its body are
sent, then SIGTERM, then the test waits until the service refuses new connections (its shutdown
has begun), and only then sends the rest of the body. The answer must be the normal one, and what
it created must be there after a restart.
Break: runtime sets `server.force_exit = True` with `should_exit` (exit without draining) -> the
half-sent requests get no answer, fails.
"""

from __future__ import annotations

import json
import socket
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from ecovid_stack.stack import Stack

from tests.integration.support import ADMIN, Api, eventually, start_stack

TOKEN = "shutdown-test-internal-token"
INTERNAL = {"X-Internal-Token": TOKEN, "X-Actor-Kind": "professional", "X-Actor-Id": "pro-shutdown"}
PDF = b"%PDF-1.4\n" + b"%" * 4000 + b"\n%%EOF\n"
# Every service but alerting, whose internal API creates nothing without an alarming reading first.
DRAINED = ("gateway", "dossier", "care-circle", "documents", "ecovid-monitor")
PATIENT = {"last_name": "Arrêt", "first_name": "Propre", "birth_date": "1960-01-01", "sex": "female",
           "commune": "Paris"}


class HalfSent:
    """A request whose headers and first half of body are on the wire; `finish` sends the rest."""

    def __init__(self, base_url: str, method: str, path: str, body: bytes, headers: dict[str, str]) -> None:
        url = urlsplit(base_url)
        self.body = body
        self.socket = socket.create_connection((url.hostname, url.port), timeout=30)
        head = [f"{method} {path} HTTP/1.1", f"Host: {url.netloc}", f"Content-Length: {len(body)}",
                "Connection: close", *(f"{k}: {v}" for k, v in headers.items())]
        self.socket.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body[: len(body) // 2])

    def finish(self) -> tuple[int, Any]:
        self.socket.sendall(self.body[len(self.body) // 2:])
        answer = b""
        while chunk := self.socket.recv(65536):
            answer += chunk
        self.socket.close()
        head, _, content = answer.partition(b"\r\n\r\n")
        assert head, "no answer: the connection was closed under the request"
        try:
            return int(head.split()[1]), json.loads(content)
        except ValueError:  # not the service's JSON answer: show what came instead
            return int(head.split()[1]), content.decode(errors="replace")


def refuses_connections(base_url: str) -> bool:
    url = urlsplit(base_url)
    try:
        socket.create_connection((url.hostname, url.port), timeout=1).close()
    except OSError:
        return True
    return False


def in_flight(stack: Stack, structure_id: str) -> dict[str, tuple[HalfSent, int]]:
    """One half-sent creating request per service that takes one without other data, with its normal status."""
    json_body = {"Content-Type": "application/json"}
    patient = str(uuid.uuid4())
    return {
        "gateway": (HalfSent(stack.url("gateway"), "POST", "/api/v1/auth/token", json.dumps(
            {"username": ADMIN["username"], "password": ADMIN["password"]}).encode(), json_body), 200),
        "dossier": (HalfSent(stack.url("dossier"), "POST", "/patients?confirm_homonym=true",
                             json.dumps(PATIENT).encode(), {**INTERNAL, **json_body}), 201),
        "care-circle": (HalfSent(stack.url("care-circle"), "POST", "/structures", json.dumps(
            {"name": "Maison de santé du Soir", "kind": "practice"}).encode(), {**INTERNAL, **json_body}), 201),
        "documents": (HalfSent(stack.url("documents"), "POST",
                               f"/patients/{patient}/documents?title=Compte%20rendu&kind=report"
                               "&media_type=application/pdf&filename=cr.pdf", PDF, INTERNAL), 201),
        "ecovid-monitor": (HalfSent(stack.url("ecovid-monitor"), "POST", "/episodes", json.dumps(
            {"patient_id": patient, "birth_date": "1960-01-01", "started_on": "2026-11-01",
             "status": "tested_positive", "structure_id": structure_id}).encode(), {**INTERNAL, **json_body}), 201),
    }


def test_sigterm_drains_requests_in_flight_and_exits_zero(tmp_path: Path) -> None:
    stack = start_stack(tmp_path, None, ECOVID_INTERNAL_TOKEN=TOKEN)
    try:
        admin = Api.login(stack.url("gateway"), ADMIN["username"], ADMIN["password"])
        structure_id = admin.structure()  # the gateway's clients to the services are open now
        requests = in_flight(stack, structure_id)
        assert tuple(requests) == DRAINED
        for service in requests:
            stack.processes[service].terminate()
        for service in requests:
            eventually(lambda service=service: refuses_connections(stack.url(service)), timeout=15)
        answers = {service: request.finish() for service, (request, _) in requests.items()}
        assert {s: status for s, (status, _) in answers.items()} == {s: ok for s, (_, ok) in requests.items()}, answers
        assert answers["gateway"][1]["access_token"]
        exits = {service: stack.processes[service].wait(30) for service in requests}
        assert exits == dict.fromkeys(requests, 0)

        stack.start(timeout=90)  # the stopped services again, on the same data
        for service, path in (("dossier", f"/patients/{answers['dossier'][1]['id']}/summary"),
                              ("ecovid-monitor", f"/episodes/{answers['ecovid-monitor'][1]['id']}"),
                              ("care-circle", f"/structures/{answers['care-circle'][1]['id']}"),
                              ("documents", f"/documents/{answers['documents'][1]['id']}")):
            assert _get(stack.url(service), path) == 200, f"{service}: the drained request's record is missing"
    finally:
        stack.stop()
    assert {name: p.returncode for name, p in stack.processes.items()} == dict.fromkeys(stack.processes, 0)
    for service in stack.processes:
        lines = (tmp_path / "logs" / f"{service}.log").read_text().splitlines()
        stopped = [json.loads(line) for line in lines if '"service stopped"' in line]
        assert [entry["failed"] for entry in stopped] == ([0, 0] if service in DRAINED else [0]), service


def _get(base_url: str, path: str) -> int:
    return httpx.get(f"{base_url}{path}", headers=INTERNAL, timeout=30).status_code
