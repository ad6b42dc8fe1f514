"""The boundaries of the typed bodies and filters, at the gateway: each refusal is a 422 in
the error model ({detail, errors: [{field, message}]}) naming the field, and no service is
asked. The same models are the services' (ecovid_api), so these are their boundaries too.

Breaks (each made once, watched failing, restored):
- `spo2: Field(ge=50, le=100)` widened to `le=1000` in ecovid_api.monitoring -> the `spo2 101`
  cell fails (the reading reaches ecovid-monitor).
- `pattern=LINES` removed from `Text5000` in ecovid_api.text -> the `note with a bell` cell
  fails (201: a control character accepted).
- `Answer = Annotated[bool, Strict()]` back to `bool` in ecovid_api.monitoring -> the `cough as 0`
  cell fails (201: 0 read as "no cough"), and schemathesis's negative_data_rejection finds it
  on the readings (test_api_fuzz).
- MonitoringFilters.symptom back to any text of 40 characters (as the gateway had it, drifted
  from ecovid-monitor's list of indicators) -> the `symptom unknown` cell fails (it reaches
  ecovid-monitor).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from conftest import World

READING = {"taken_at": "2026-11-30T08:00:00+01:00", "temperature": 38.2}
EPISODE = {"started_on": "2026-11-28", "status": "suspected"}
IDENTITY = {"last_name": "Lefèvre", "first_name": "Anaïs", "birth_date": "1961-05-04", "sex": "female",
            "commune": "Lille"}

# name: (method, path template, body or None, query, the field named first)
CASES: dict[str, tuple[str, str, Any, dict[str, Any], str]] = {
    "spo2 101": ("POST", "/api/v1/care-episodes/{episode}/readings", {**READING, "spo2": 101}, {}, "spo2"),
    "spo2 49": ("POST", "/api/v1/care-episodes/{episode}/readings", {**READING, "spo2": 49}, {}, "spo2"),
    "temperature 45.1": ("POST", "/api/v1/care-episodes/{episode}/readings", {**READING, "temperature": 45.1},
                         {}, "temperature"),
    "heart rate 251": ("POST", "/api/v1/care-episodes/{episode}/readings", {**READING, "heart_rate": 251},
                       {}, "heart_rate"),
    "respiratory rate 3": ("POST", "/api/v1/care-episodes/{episode}/readings",
                           {**READING, "respiratory_rate": 3}, {}, "respiratory_rate"),
    "spo2 as text": ("POST", "/api/v1/care-episodes/{episode}/readings", {**READING, "spo2": "94 %"},
                     {}, "spo2"),
    "reading without a zone": ("POST", "/api/v1/care-episodes/{episode}/readings",
                               {**READING, "taken_at": "2026-11-30T08:00:00"}, {}, "taken_at"),
    "reading past year 9999": ("POST", "/api/v1/care-episodes/{episode}/readings",
                               {**READING, "taken_at": "9999-12-31T23:59:59-14:00"}, {}, "taken_at"),
    "reading with nothing": ("POST", "/api/v1/care-episodes/{episode}/readings",
                             {"taken_at": READING["taken_at"]}, {}, "body"),
    "reading with an unknown field": ("POST", "/api/v1/care-episodes/{episode}/readings",
                                      {**READING, "glucose": 5}, {}, "glucose"),
    "episode 13 readings a day": ("POST", "/api/v1/patients/{patient}/care-episodes",
                                  {**EPISODE, "structure_id": "{structure}", "readings_per_day": 13}, {},
                                  "readings_per_day"),
    "episode status unknown": ("PATCH", "/api/v1/care-episodes/{episode}", {"status": "cured"}, {}, "status"),
    "note with a bell": ("POST", "/api/v1/patients/{patient}/notes", {"text": "ring \u0007"}, {}, "text"),
    "note too long": ("POST", "/api/v1/patients/{patient}/notes", {"text": "x" * 5001}, {}, "text"),
    "note blank": ("POST", "/api/v1/patients/{patient}/notes", {"text": "   "}, {}, "text"),
    "objective title with a line feed": ("POST", "/api/v1/patients/{patient}/objectives",
                                         {"title": "walk\n10 min"}, {}, "title"),
    "allergy substance with an escape": ("PUT", "/api/v1/patients/{patient}/allergies",
                                         {"entries": [{"substance": "\u001b[31m"}]}, {}, "entries.0.substance"),
    "risk factor unknown": ("PUT", "/api/v1/patients/{patient}/risk-factors", {"factors": ["smoking"]}, {},
                            "factors.0"),
    "birth date in the future": ("POST", "/api/v1/patients", {**IDENTITY, "birth_date": "2999-01-01"}, {},
                                 "birth_date"),
    "name with digits": ("POST", "/api/v1/patients", {**IDENTITY, "last_name": "R2D2"}, {}, "last_name"),
    "identity correction removing the last name": ("PATCH", "/api/v1/patients/{patient}/identity",
                                                   {"last_name": None}, {}, "last_name"),
    "member role too long": ("POST", "/api/v1/patients/{patient}/care-circle/members",
                             {"professional_id": str(uuid.uuid4()), "role": "r" * 51}, {}, "role"),
    "structure name with a NUL-like control": ("POST", "/api/v1/structures",
                                               {"name": "MSP\u0001", "kind": "practice"}, {}, "name"),
    "structure finess too short": ("POST", "/api/v1/structures", {"name": "MSP", "kind": "practice",
                                                                  "finess": "12345"}, {}, "finess"),
    "professional without a profession": ("POST", "/api/v1/professionals", {
        "email": "a@example.org", "password": "correct horse battery", "first_name": "A", "last_name": "B",
        "structure_id": str(uuid.uuid4())}, {}, "profession"),
    "symptom unknown": ("GET", "/api/v1/monitoring/patients", None, {"population": "adults", "symptom": "fever"},
                        "symptom"),
    "age 151": ("GET", "/api/v1/monitoring/patients", None, {"population": "adults", "age_min": 151}, "age_min"),
    "updated_after without a zone": ("GET", "/api/v1/monitoring/patients", None,
                                     {"population": "children", "updated_after": "2026-11-01T00:00:00"},
                                     "updated_after"),
    "search prefix of two letters": ("GET", "/api/v1/patients", None, {"last_name": "Du", "first_name": "Hél"},
                                     "last_name"),
    "timeline from a date": ("GET", "/api/v1/patients/{patient}/timeline", None, {"from": "2026-01-01"}, "from"),
    "alert status unknown": ("GET", "/api/v1/alerts", None, {"status": "open"}, "status"),
    # What schemathesis found the schema calls invalid and pydantic's lax mode took (issue 9).
    "cough as 0": ("POST", "/api/v1/care-episodes/{episode}/readings", {**READING, "cough": 0}, {}, "cough"),
    "temperature as empty text": ("POST", "/api/v1/care-episodes/{episode}/readings",
                                  {**READING, "temperature": ""}, {}, "temperature"),
    "treatment since a number": ("PUT", "/api/v1/patients/{patient}/treatments",
                                 {"entries": [{"name": "paracétamol", "since": 0}]}, {}, "entries.0.since"),
    "history since a number": ("PUT", "/api/v1/patients/{patient}/medical-history",
                               {"entries": [{"label": "infarctus", "since": 1.5}]}, {}, "entries.0.since"),
    "timeline to a number": ("GET", "/api/v1/patients/{patient}/timeline", None, {"to": "0.5"}, "to"),
    "reading taken at a number": ("POST", "/api/v1/care-episodes/{episode}/readings",
                                  {**READING, "taken_at": 1764489600}, {}, "taken_at"),
    "objective title of a no-break space": ("PATCH", "/api/v1/patients/{patient}/objectives/{episode}",
                                            {"status": "achieved", "title": "\u00a0"}, {}, "title"),
}
ADMIN_ROUTES = ("/api/v1/structures", "/api/v1/professionals")
PROFESSIONAL_ONLY = ("/api/v1/monitoring/patients", "/api/v1/patients")


@pytest.mark.parametrize("case", CASES)
def test_a_value_past_its_bound_is_a_422_naming_the_field(world: World, case: str) -> None:
    method, template, body, query, field = CASES[case]
    episode = str(uuid.uuid4())
    world.platform.episodes[episode] = world.patient
    values = {"patient": world.patient, "episode": episode, "structure": world.structure}
    path = template.format(**values)
    if isinstance(body, dict) and body.get("structure_id") == "{structure}":
        body = {**body, "structure_id": world.structure}
    caller = world.caller("admin") if template in ADMIN_ROUTES else world.caller(member=True)
    response = world.client.request(method, path, json=body, params=query, headers=caller.headers)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert set(answer) == {"detail", "errors"} and answer["errors"], answer
    assert all(set(e) == {"field", "message"} for e in answer["errors"])
    assert answer["errors"][0]["field"] == field, answer
    assert answer["detail"].startswith(f"{field}: ")
    # Refused at the edge: no service was asked to act on it (the circle check aside).
    assert [c for c in world.platform.calls if c.path != "/access"] == []


@pytest.mark.parametrize(("field", "value"), [("spo2", 50), ("spo2", 100), ("temperature", 30.0),
                                              ("temperature", 45.0), ("heart_rate", 20), ("respiratory_rate", 80)])
def test_the_bounds_themselves_are_accepted_and_passed_on_as_sent(world: World, field: str, value: Any) -> None:
    member = world.caller(member=True)
    episode = str(uuid.uuid4())
    world.platform.episodes[episode] = world.patient
    body = {**READING, field: value}
    response = world.client.post(f"/api/v1/care-episodes/{episode}/readings", json=body, headers=member.headers)
    assert response.status_code < 300, response.text
    assert world.platform.calls_to("monitor")[-1].json() == body


def test_a_note_keeps_its_line_breaks(world: World) -> None:
    member = world.caller(member=True)
    body = {"text": "Plus essoufflée ce matin.\n\tSpO2 à 93 %."}
    response = world.client.post(f"/api/v1/patients/{world.patient}/notes", json=body, headers=member.headers)
    assert response.status_code < 300, response.text
    assert world.platform.calls_to("dossier")[-1].json() == body


def test_the_upload_form_s_kind_is_the_contract_s(world: World) -> None:
    member = world.caller(member=True)
    response = world.client.post(
        f"/api/v1/patients/{world.patient}/documents", headers=member.headers,
        files={"file": ("cr.pdf", b"%PDF bytes", "application/pdf")}, data={"title": "CR", "kind": "invoice"},
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["kind"]
    assert world.platform.calls_to("documents") == []
