"""Demo data for `make run`, through the public API like any client, once per data directory.

A structure, a doctor, a patient enrolled in a COVID care episode with one
reading (see the README for the accounts).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

DOCTOR = {"username": "anne.martin@example.org", "password": "demo password 2026"}


def seed(gateway: str, admin: dict[str, str], data_dir: Path) -> str:
    marker = data_dir / "demo-seeded"
    if marker.exists():
        return "demo data already there"
    with httpx.Client(base_url=f"{gateway}/api/v1", timeout=30) as api:
        api.headers["Authorization"] = f"Bearer {_token(api, admin)}"
        structure = _created(api.post("/structures", json={"name": "Maison de santé Voltaire", "kind": "practice"}))
        _created(api.post("/professionals", json={
            "email": DOCTOR["username"], "password": DOCTOR["password"], "first_name": "Anne",
            "last_name": "Martin", "profession": "doctor", "structure_id": structure}))
        api.headers["Authorization"] = f"Bearer {_token(api, DOCTOR)}"
        patient = _created(api.post("/patients", json={
            "last_name": "Dupont", "first_name": "Héloïse", "birth_date": "1950-03-02",
            "sex": "female", "commune": "Paris", "postal_code": "75011"}))
        started = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
        episode = _created(api.post(f"/patients/{patient}/care-episodes", json={
            "started_on": started, "status": "tested_positive", "structure_id": structure}))
        _created(api.post(f"/care-episodes/{episode}/readings", json={
            "taken_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "temperature": 38.6, "heart_rate": 96, "spo2": 95, "cough": True}))
    marker.write_text(f"patient {patient}\nepisode {episode}\n")
    return f"demo data: {DOCTOR['username']} / {DOCTOR['password']}, patient {patient}"


def _token(api: httpx.Client, credentials: dict[str, str]) -> str:
    response = api.post("/auth/token", json=credentials)
    response.raise_for_status()
    return str(response.json()["access_token"])


def _created(response: httpx.Response) -> str:
    if response.status_code != 201:
        raise RuntimeError(f"demo data refused: {response.status_code} {response.text}")
    return str(response.json()["id"])
