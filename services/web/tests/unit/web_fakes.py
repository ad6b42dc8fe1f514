"""A stand-in for the public gateway API, as an httpx transport: the web app under test talks to
it exactly as it talks to the real one (the browser tests use the real one)."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import httpx
from fastapi.testclient import TestClient
from markupsafe import escape

PATIENT = "9a7b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
EPISODE = "3f2b6c1e-8d4a-4b8e-9a51-6c2d1e0f7a93"
ALERT = "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"
DOCUMENT = "5d1f2c7a-0c1b-4f4e-8a1e-2b9d7c3e4f50"
STRUCTURE = "0b7e8f0e-5a3c-4a52-9d55-3f0a3e5b1c11"
OBJECTIVE = "7c3a9e51-2b4d-4f6a-8e1c-0d9b8a7f6e5d"
DOCTOR = "2a4c6e8f-1b3d-4f5a-9c7e-0a2b4c6d8e9f"  # the signed-in professional (her token's subject)
NURSE = "6b8d0f2a-4c6e-4a1b-8d3f-5e7a9c1b3d5f"


def token_for(role: str, serial: int = 0) -> str:
    claims = base64.urlsafe_b64encode(json.dumps({"role": role, "sub": DOCTOR, "n": serial,
                                                  "structure_id": STRUCTURE}).encode()).decode()
    return f"header.{claims.rstrip('=')}.signature"


class FakeGateway:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []
        self.valid_tokens: set[str] = set()
        self.names = {"last_name": "Dupont", "first_name": "Héloïse"}
        self.reading_refusal: dict[str, Any] | None = None
        self.last_query: dict[str, str] = {}
        self.episode = {"status": "tested_positive", "open": True, "closed_on": None}
        self.members: list[dict[str, Any]] = [{"professional_id": DOCTOR, "role": "creator", "first_name": "Anne",
                                              "last_name": "Martin", "profession": "doctor"}]
        self.circle_refusal: tuple[int, dict[str, Any]] | None = None  # what the API answers a circle change

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def expire_all(self) -> None:
        self.valid_tokens.clear()

    def posted(self, path: str) -> list[Any]:
        return self.sent("POST", path)

    def sent(self, method: str, path: str) -> list[Any]:
        return [body for verb, called, body in self.calls if verb == method and called == path]

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v1")
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            body: Any = request.content  # a document: the raw multipart body
        else:
            body = json.loads(request.content) if request.content else (dict(request.url.params) or None)
        self.calls.append((request.method, path, body))
        self.last_query = dict(request.url.params)
        if path == "/auth/token":
            if body["password"] != "bon mot de passe":
                return httpx.Response(401, json={"detail": "wrong username or password", "errors": []})
            if body["username"].startswith("mfa") and not body.get("code"):
                return httpx.Response(200, json={"mfa_required": True, "mfa_token": "m" * 30, "enrolled": True})
            role = "patient" if body["username"].startswith("patient") else "professional"
            token = token_for(role, len(self.calls))
            self.valid_tokens.add(token)
            return httpx.Response(200, json={"access_token": token, "token_type": "bearer", "expires_in": 900,
                                             "refresh_token": "r" * 30})
        if path == "/auth/mfa":
            if body != {"mfa_token": "m" * 30, "code": "123456"}:
                return httpx.Response(401, json={"detail": "wrong, replayed or expired code", "errors": []})
            return self.handle(httpx.Request("POST", "http://gateway.test/api/v1/auth/token", json={
                "username": "mfa-doctor@example.org", "password": "bon mot de passe", "code": "checked"}))
        if path == "/health/ready":
            return httpx.Response(200, json={"status": "ready"})
        if path == "/portal/activate":
            return httpx.Response(410, json={"detail": "this invitation is not valid (expired, used or unknown)",
                                             "errors": [{"field": "token", "message": "invitation <b>expired</b>"}]})
        given = request.headers.get("authorization", "").removeprefix("Bearer ")
        if given not in self.valid_tokens:
            return httpx.Response(401, json={"detail": "not signed in", "errors": []})
        return self.answer(request.method, path, body)

    def answer(self, method: str, path: str, body: Any) -> httpx.Response:
        if path == "/patients" and method == "GET":
            if len(body.get("last_name", "")) < 3:
                return httpx.Response(422, json={"detail": "last_name: too short", "errors": [
                    {"field": "last_name", "message": "String should have at least 3 characters"}]})
            return httpx.Response(200, json=[{"id": PATIENT, **self.names, "birth_date": "1950-03-02",
                                              "sex": "female", "commune": "Paris"}])
        if path == "/patients" and method == "POST":
            if body.get("last_name") == "Dupont" and self.last_query.get("confirm_homonym") != "true":
                return httpx.Response(409, json={"detail": f"a patient with the same names already exists: {PATIENT}",
                                                 "errors": [{"field": "identity", "message": "duplicate"}],
                                                 "existing_id": PATIENT})
            return httpx.Response(201, json={"id": "0b7e8f0e-5a3c-4a52-9d55-3f0a3e5b1c11"})
        if path == "/monitoring/patients":
            return httpx.Response(200, json={"total": 1, "limit": 50, "offset": 0, "rows": [{
                "patient_id": PATIENT, **self.names, "age": 76, "commune": "Paris", "general_state": "alert",
                "last_reading_at": "2026-12-01T08:00:00+00:00", "levels": {"temperature": "alert", "spo2": "watch"},
                "episode_id": EPISODE, "status": "tested_positive", "hospitalised": False}]})
        if path in {f"/care-episodes/{EPISODE}/readings", "/me/readings"} and method == "POST":
            if self.reading_refusal:
                return httpx.Response(422, json=self.reading_refusal)
            return httpx.Response(201, json={"id": "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b", "overall_level": "alert",
                                             "levels": {"temperature": "alert"},
                                             "rule_set": {"id": "a", "version": "1"},
                                             "age_band": "adult"})
        if path in {f"/care-episodes/{EPISODE}/readings", "/me/readings"}:
            return httpx.Response(200, json=[{
                "id": "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b", "taken_at": "2026-12-01T08:00:00+00:00",
                "source": "professional", "values": {"temperature": 40.1, "spo2": 91},
                "overall_level": "alert", "levels": {"temperature": "alert", "spo2": "alert"}}])
        if path == f"/patients/{PATIENT}/summary":
            objective = {"id": OBJECTIVE, "title": "Marcher 10 min", "status": "open", "set_at": "2026-11-29T09:00:00Z",
                         "set_by": {}, "updated_at": "2026-11-29T09:00:00Z", "updated_by": {}, "history": []}
            return httpx.Response(200, json={"id": PATIENT, "identity": {**self.names, "birth_date": "1950-03-02"},
                                             "risk_factors": {}, "medical_history": {}, "allergies": {},
                                             "treatments": {},
                                             "latest_notes": [], "open_objectives": [objective],
                                             "latest_documents": {},
                                             "care_episode": {"episode_id": EPISODE}, "version": 1})
        if path.startswith(f"/care-episodes/{EPISODE}") and method in {"PATCH", "POST"} and "/readings" not in path:
            return self.episode_change(path, body)
        if path == f"/care-episodes/{EPISODE}":
            return httpx.Response(200, json={"id": EPISODE, "patient_id": PATIENT, "started_on": "2026-11-28",
                                             "structure_id": PATIENT, "general_state": "alert", **self.episode})
        if path == f"/patients/{PATIENT}/objectives/{OBJECTIVE}" and method == "PATCH":
            if body.get("status") not in {"open", "achieved", "abandoned"}:
                said = "Input should be 'open', 'achieved' or 'abandoned'"
                return httpx.Response(422, json={"detail": f"status: {said}",
                                                 "errors": [{"field": "body.status", "message": said}]})
            return httpx.Response(200, json={"id": OBJECTIVE, "title": "Marcher 10 min", "status": body["status"]})
        if path.startswith(f"/patients/{PATIENT}/care-circle/members"):
            return self.circle(method, path, body)
        if path == "/structures":
            return httpx.Response(200, json=[{"id": STRUCTURE, "name": "Cabinet des Tilleuls", "kind": "practice"}])
        if path == "/directory/professionals":
            if len((body or {}).get("name", "xx")) < 2:
                return httpx.Response(422, json={"detail": "name: String should have at least 2 characters",
                                                 "errors": [{"field": "query.name",
                                                             "message": "String should have at least 2 characters"}]})
            return httpx.Response(200, json=[
                {"id": DOCTOR, "first_name": "Anne", "last_name": "Martin", "profession": "doctor",
                 "structure_id": STRUCTURE},
                {"id": NURSE, "first_name": "Paul", "last_name": "Durand", "profession": "nurse",
                 "structure_id": STRUCTURE}])
        if path == "/alerts/stream":
            feed = "retry: 2000\n\n" + "".join(
                f'id: {n}\nevent: AlertRaised\ndata: {{"summary": "SpO2 91 %"}}\n\n' for n in (1, 2))
            return httpx.Response(200, content=feed.encode(), headers={"content-type": "text/event-stream"})
        if path == "/alerts":
            return httpx.Response(200, json=[{"id": ALERT, "kind": "threshold", "level": "alert", "patient_id": PATIENT,
                                              "status": "raised", "summary": "SpO2 91 %", "episode_id": EPISODE,
                                              "raised_at": "2026-12-01T08:00:01+00:00", "occurrences": 1}])
        if path.startswith("/alerts/") and method == "POST":
            status = "resolved" if path.endswith("/resolve") else "acknowledged"
            return httpx.Response(200, json={"id": ALERT, "patient_id": PATIENT, "kind": "threshold",
                                             "level": "alert", "status": status, "occurrences": 1,
                                             "escalation_step": 0})
        if path in {f"/patients/{PATIENT}/notes", f"/patients/{PATIENT}/objectives"}:
            if not next(iter(body.values())):
                return httpx.Response(422, json={"detail": "text: String should have at least 1 character",
                                                 "errors": [{"field": "text", "message": "too short"}]})
            return httpx.Response(201, json={"id": "n-1"})
        if path == f"/patients/{PATIENT}/care-episodes":
            return httpx.Response(201, json={"id": EPISODE})
        if path == f"/patients/{PATIENT}/portal-invitations":
            if "@" not in body["email"]:
                return httpx.Response(422, json={"detail": "email: not an e-mail address", "errors": []})
            return httpx.Response(201, json={"patient_id": PATIENT, "email": body["email"]})
        if path == f"/patients/{PATIENT}/documents" and method == "POST":
            return httpx.Response(201, json={"id": DOCUMENT})
        if path == f"/documents/{DOCUMENT}/content":
            return httpx.Response(200, content=b"%PDF-1.4 compte rendu", headers={
                "content-type": "application/pdf", "content-disposition": "inline; filename=cr.pdf"})
        if path.endswith(("/care-circle/members", "/documents")):
            return httpx.Response(200, json=[])
        if path == "/auth/logout":
            return httpx.Response(204)
        return httpx.Response(404, json={"detail": "not found", "errors": []})

    def episode_change(self, path: str, body: Any) -> httpx.Response:
        """PATCH (a status) or POST …/close, as ecovid-monitor judges them: nothing changes once closed."""
        if not self.episode["open"]:
            return httpx.Response(409, json={"detail": "the care episode is closed", "errors": [
                {"field": "episode_id", "message": "the care episode is closed"}]})
        if path.endswith("/close"):
            self.episode.update(open=False, closed_on="2026-12-02")
        elif body.get("status") not in {"suspected", "tested_positive", "tested_negative"}:
            return httpx.Response(422, json={"detail": "status: Input should be 'suspected', 'tested_positive' or "
                                                       "'tested_negative'", "errors": [
                {"field": "body.status", "message": "Input should be 'suspected', 'tested_positive' or "
                                                    "'tested_negative'"}]})
        else:
            self.episode["status"] = body["status"]
        return httpx.Response(200, json={"id": EPISODE, "patient_id": PATIENT, "started_on": "2026-11-28",
                                         "structure_id": PATIENT, **self.episode})

    def circle(self, method: str, path: str, body: Any) -> httpx.Response:
        """The care circle's members: listed, added, removed (never the last one: 409)."""
        if method == "GET":
            return httpx.Response(200, json=self.members)
        if self.circle_refusal:
            return httpx.Response(self.circle_refusal[0], json=self.circle_refusal[1])
        if method == "POST":
            self.members.append({"professional_id": body["professional_id"], "role": body["role"]})
            return httpx.Response(201, json=self.members[-1])
        leaving = path.rsplit("/", 1)[1]
        if len(self.members) == 1:
            said = "the last member of a care circle cannot leave it"
            return httpx.Response(409, json={"detail": said, "errors": [{"field": "professional_id", "message": said}]})
        self.members = [m for m in self.members if m["professional_id"] != leaving]
        return httpx.Response(204)


def escaped(text: str) -> str:
    """A text as a page shows it (an apostrophe is &#39;)."""
    return str(escape(text))


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def form_token_of(html: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', html)
    assert found, "no form token in the page"
    return found.group(1)


def sign_in(client: TestClient, username: str = "anne.martin@example.org", next_path: str = "/") -> None:
    page = client.get("/login")
    answer = client.post("/login", data={"csrf_token": csrf_of(page.text), "username": username,
                                         "password": "bon mot de passe", "next": next_path})
    assert answer.status_code == 303, answer.text
