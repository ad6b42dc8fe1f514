"""The five services the gateway calls, faked as one in-process HTTP server.

The gateway's real aiohttp clients call it over a socket (so `clients.py` runs as in
production); a test puts circles, episodes, alerts, documents and canned replies in it,
and reads back every call it received.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn
from fastapi import FastAPI, Request, Response

SERVICES = ("dossier", "monitor", "alerting", "care-circle", "documents")
BIRTH_DATE = "1950-03-02"


@dataclass
class Call:
    service: str
    method: str
    path: str
    headers: dict[str, str]
    query: list[tuple[str, str]]
    body: bytes

    def json(self) -> Any:
        if self.headers.get("content-type") != "application/json":
            return None
        return orjson.loads(self.body)


@dataclass
class FakePlatform:
    calls: list[Call] = field(default_factory=list)
    circles: dict[str, set[str]] = field(default_factory=dict)  # patient -> professional ids
    roles: dict[str, str] = field(default_factory=dict)  # professional -> circle role (default nurse)
    episodes: dict[str, str] = field(default_factory=dict)  # episode -> patient
    alerts: dict[str, str] = field(default_factory=dict)  # alert -> patient
    documents: dict[str, str] = field(default_factory=dict)  # document -> patient
    structures: set[str] = field(default_factory=set)
    professions: dict[str, str] = field(default_factory=dict)  # professional -> profession (default doctor)
    professional_structures: dict[str, str] = field(default_factory=dict)  # professional -> structure
    monitored: dict[str, str] = field(default_factory=dict)  # patient with an open episode -> structure
    deactivated: set[str] = field(default_factory=set)
    # (service, method, path) -> (status, JSON body, or bytes as they are)
    replies: dict[tuple[str, str, str], tuple[int, Any]] = field(default_factory=dict)
    down: set[str] = field(default_factory=set)  # services answering 500

    def reset(self) -> None:
        fresh = FakePlatform()
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(fresh, name))

    def calls_to(self, service: str) -> list[Call]:
        return [c for c in self.calls if c.service == service]

    async def handle(self, request: Request, service: str, path: str) -> Response:
        path = "/" + path
        call = Call(service, request.method, path, {k.lower(): v for k, v in request.headers.items()},
                    list(request.query_params.multi_items()), await request.body())
        self.calls.append(call)
        if service in self.down:
            return Response(b"boom", status_code=500)
        status, body = self.replies.get((service, request.method, path)) or self._default(call)
        if isinstance(body, bytes):
            return Response(body, status_code=status, headers={
                "content-type": "application/pdf", "etag": '"abc"', "x-internal": "not passed on"})
        return Response(b"" if status == 204 else orjson.dumps(body), status_code=status,
                        media_type="application/json")

    def _default(self, call: Call) -> tuple[int, Any]:
        parts = call.path.strip("/").split("/")
        query = dict(call.query)
        owned = {"monitor": ("episodes", self.episodes), "alerting": ("alerts", self.alerts),
                 "documents": ("documents", self.documents)}
        if call.service == "monitor" and call.path.endswith("/open-episodes"):
            return 200, [{"episode_id": e, "opened_at": "2026-11-30T08:00:00+00:00"}
                         for e, p in self.episodes.items() if p == parts[2]]
        if call.service == "monitor" and call.path.startswith("/monitoring/patients"):
            wanted = (set(call.json()["patient_ids"]) if call.path.endswith("/visible")
                      else {p for p, s in self.monitored.items() if s == query.get("structure_id")})
            rows = [{"patient_id": p, "last_name": "X"} for p in sorted(self.monitored) if p in wanted]
            return 200, {"total": len(rows), "limit": 50, "offset": 0, "rows": rows, "query": call.query}
        if call.service == "alerting" and call.path == "/alerts" and "recipient" in query:
            return 200, [{"id": a, "patient_id": p, "query": call.query} for a, p in self.alerts.items()]
        if call.service == "care-circle":
            if parts[0] == "professionals" and parts[2:3] == ["scope"]:
                mine = sorted(p for p, members in self.circles.items() if parts[1] in members)
                return 200, {"patient_ids": mine, "active": parts[1] not in self.deactivated,
                             "profession": self.professions.get(parts[1], "doctor"),
                             "structure_id": self.professional_structures.get(parts[1])}
            if parts[0] == "professionals" and parts[2:3] == ["deactivate"]:
                self.deactivated.add(parts[1])
                return 204, None
            if parts[0] == "patients" and parts[2:3] == ["emergency-access"]:
                # Counted as a member here: the expiry is care-circle's (its own tests).
                self.circles.setdefault(parts[1], set()).add(call.json()["professional_id"])
                self.roles[call.json()["professional_id"]] = "emergency"
                return 201, {**call.json(), "expires_at": "2026-12-01T12:00:00+00:00"}
            if call.path == "/access":
                if query["professional_id"] not in self.circles.get(query["patient_id"], set()):
                    return 200, {"allowed": False, "role": None, "documents_and_notes": False}
                role = self.roles.get(query["professional_id"], "nurse")
                # As care-circle answers it (its domain's rule, tested there).
                return 200, {"allowed": True, "role": role, "documents_and_notes": role not in ("home_help", "other")}
            if call.path == "/structures" and call.method == "GET":
                return 200, [{"id": s} for s in sorted(self.structures)]
            if parts[0] == "structures" and call.method == "GET":
                known = parts[1] in self.structures
                return (200, {"id": parts[1]}) if known else (404, {"detail": "no such structure", "errors": []})
            if call.path == "/professionals" and call.method == "POST":
                return 201, {"id": str(uuid.uuid4())}
            if parts[0] == "patients" and parts[2:3] == ["members"] and call.method == "POST":
                self.circles.setdefault(parts[1], set()).add(call.json()["professional_id"])
                return 201, call.json()
            if parts[0] == "patients" and parts[2:3] == ["members"] and call.method == "DELETE":
                self.circles.get(parts[1], set()).discard(parts[3])
                return 204, None
        if call.service in owned and len(parts) == 2 and call.method == "GET" and parts[0] == owned[call.service][0]:
            patient = owned[call.service][1].get(parts[1])
            if patient is None:
                return 404, {"detail": f"no such {parts[0][:-1]}", "errors": []}
            return 200, {"id": parts[1], "patient_id": patient}
        if call.service == "documents" and parts[-1] == "content":
            return 200, b"%PDF-1.4 fake"
        if call.service == "dossier" and call.path == "/patients" and call.method == "POST":
            return 201, {"id": str(uuid.uuid4())}
        if call.service == "dossier" and len(parts) == 2 and parts[0] == "patients" and call.method == "GET":
            return 200, {"id": parts[1], "identity": {"birth_date": BIRTH_DATE}}
        echo = {"service": call.service, "method": call.method, "path": call.path,
                "query": call.query, "json": call.json()}
        return (201 if call.method == "POST" else 200), echo


def serve(platform: FakePlatform) -> tuple[str, uvicorn.Server, threading.Thread]:
    """Start the fake on a free port in a thread; answer its base URL."""
    api = FastAPI()

    @api.api_route("/{service}/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def anything(service: str, path: str, request: Request) -> Response:
        return await platform.handle(request, service, path)

    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the fake platform did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return f"http://127.0.0.1:{port}", server, thread
