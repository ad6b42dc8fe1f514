"""ecovid-monitor's bounds: dates checked against each other, the dry run bounded, and its
internal API answering 4xx (never 5xx) to what the gateway would have refused.

Breaks (each made once, watched failing, restored):
- `check_episode_dates` returning at once -> test_an_episode_starts_after_birth_and_not_in_the_future fails.
- `latest_today` without LATEST_TIME_ZONE -> test_today_anywhere_on_earth_is_not_the_future fails.
- `check_reading_time` without its birth test -> test_a_reading_before_birth_is_422_even_on_an_old_episode
  fails (the ValueError of age_at: a 500).
- `_check_bounds` not called -> test_rule_set_text_is_bounded_before_it_is_built fails (RecursionError).
- aliases counted as one node -> the alias cells of test_rule_set_text_is_bounded_before_it_is_built fail.
- `until` never stopping -> test_a_dry_run_stops_at_its_time_bound_and_says_so fails.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ecovid_events import Actor
from ecovid_platform.errors import Unprocessable
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage
from ecovid_platform.wiring import Wiring

from ecovid_monitor import SERVICE
from ecovid_monitor.application import MonitorApplication
from ecovid_monitor.domain.episode import CareEpisode, latest_today
from ecovid_monitor.domain.rules import ReadingValues, RuleSetInvalid, default_rule_set, load_rule_set
from ecovid_monitor.domain.rules.loader import MAX_RULE_SET_CHARS, MAX_RULE_SET_DEPTH, MAX_RULE_SET_NODES
from ecovid_monitor.dry_run import dry_run
from ecovid_monitor.entrypoints import http, lists_http
from ecovid_monitor.read_models import projections
from ecovid_monitor.read_models.tables import metadata

from events_for_tests import opened, recorded_as, registered

DOCTOR = Actor(kind="professional", id=str(uuid.uuid4()))
BORN = date(1990, 6, 15)
TOKEN = "monitor-unit-test-token"


def _details(**dates: Any) -> dict[str, Any]:
    return {"started_on": date.today() - timedelta(days=1), "status": "tested_positive",
            "structure_id": uuid.uuid4(), "readings_per_day": 2, "needs_assistance": False, **dates}


@pytest.mark.parametrize(("dates", "field", "words"), [
    ({"started_on": date(1900, 1, 1)}, "started_on", "before the patient's birth"),
    ({"started_on": BORN - timedelta(days=1)}, "started_on", "before the patient's birth"),
    ({"started_on": date(2999, 1, 1)}, "started_on", "in the future"),
    ({"started_on": datetime.now(UTC).date() + timedelta(days=2)}, "started_on", "in the future"),
    ({"first_symptoms_on": date(1989, 1, 1)}, "first_symptoms_on", "before the patient's birth"),
    ({"first_symptoms_on": date(2999, 1, 1)}, "first_symptoms_on", "in the future"),
])
def test_an_episode_starts_after_birth_and_not_in_the_future(
    app: MonitorApplication, dates: dict[str, Any], field: str, words: str,
) -> None:
    with pytest.raises(Unprocessable) as refused:
        app.open_episode(uuid.uuid4(), BORN, _details(**dates), DOCTOR, "c")
    assert refused.value.field == field and words in refused.value.message


def test_the_birth_day_and_earlier_symptoms_are_accepted(app: MonitorApplication) -> None:
    app.open_episode(uuid.uuid4(), BORN, _details(started_on=BORN, first_symptoms_on=BORN), DOCTOR, "c")
    symptoms_first = _details(first_symptoms_on=date.today() - timedelta(days=10))
    app.open_episode(uuid.uuid4(), BORN, symptoms_first, DOCTOR, "c")


def test_today_anywhere_on_earth_is_not_the_future() -> None:
    # 11:00 UTC is already tomorrow in Kiribati (UTC+14), not the day after.
    now = datetime(2026, 12, 1, 11, tzinfo=UTC)
    assert latest_today(now) == date(2026, 12, 2)
    assert latest_today(datetime(2026, 12, 1, 9, tzinfo=UTC)) == date(2026, 12, 1)


def _legacy_episode(app: MonitorApplication, started_on: date) -> uuid.UUID:
    """An episode as stored before its dates were checked (it may start before birth)."""
    details = {**_details(), "started_on": started_on.isoformat()}
    episode = CareEpisode(patient_id=uuid.uuid4(), birth_date=BORN, details=details, trace={})
    app.save(episode)
    return episode.id


@pytest.mark.parametrize("taken_at", [
    datetime(1990, 6, 14, 23, 59, tzinfo=UTC), datetime(1950, 1, 1, tzinfo=UTC),
    datetime(1, 1, 1, tzinfo=UTC),
])
def test_a_reading_before_birth_is_422_even_on_an_old_episode(app: MonitorApplication, taken_at: datetime) -> None:
    episode = _legacy_episode(app, date(1900, 1, 1))
    with pytest.raises(Unprocessable) as refused:
        app.record_reading(episode, taken_at, ReadingValues(temperature=37), DOCTOR, "c")
    assert refused.value.field == "taken_at" and "before the patient's birth" in refused.value.message
    app.record_reading(episode, datetime(1990, 6, 15, tzinfo=UTC), ReadingValues(temperature=37), DOCTOR, "c")


def test_a_reading_is_on_or_after_the_start_day_and_not_beyond_the_clock_skew(app: MonitorApplication) -> None:
    start = date.today() - timedelta(days=1)
    episode = app.open_episode(uuid.uuid4(), BORN, _details(started_on=start), DOCTOR, "c")
    start_of_day = datetime(start.year, start.month, start.day, tzinfo=UTC)
    for too_early_or_late in (start_of_day - timedelta(seconds=1), datetime.now(UTC) + timedelta(minutes=6)):
        with pytest.raises(Unprocessable) as refused:
            app.record_reading(episode, too_early_or_late, ReadingValues(temperature=37), DOCTOR, "c")
        assert refused.value.field == "taken_at"
    for fine in (start_of_day, datetime.now(UTC) + timedelta(minutes=4)):
        app.record_reading(episode, fine, ReadingValues(temperature=37), DOCTOR, "c")


def _nested(depth: int) -> str:
    return "id: x\nlevels: " + "[" * depth + "]" * depth + "\n"


def _alias_bomb(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("text", "words"), [
    (_nested(MAX_RULE_SET_DEPTH + 1), "nested deeper"),
    (_nested(sys.getrecursionlimit() * 2), "nested deeper"),  # a RecursionError (500) before
    ("a: &deep " + "[" * 8 + "x" + "]" * 8 + "\nb: " + "[" * 5 + "*deep" + "]" * 5 + "\n", "nested deeper"),
    (_alias_bomb(9), f"more than {MAX_RULE_SET_NODES} values"),  # 10^9 nodes in 9 lines
    ("a: [" + "1, " * MAX_RULE_SET_NODES + "1]\n", f"more than {MAX_RULE_SET_NODES} values"),
    ("a: '" + "x" * MAX_RULE_SET_CHARS + "'\n", f"longer than {MAX_RULE_SET_CHARS}"),
])
def test_rule_set_text_is_bounded_before_it_is_built(text: str, words: str) -> None:
    with pytest.raises(RuleSetInvalid) as refused:
        load_rule_set(text)
    assert words in str(refused.value)


def test_the_default_rule_set_with_its_aliases_is_within_the_bounds() -> None:
    path = Path(__file__).parents[2] / "src/ecovid_monitor/rule_sets/ecovid-default-2026.1.yaml"
    text = path.read_text("utf-8")
    assert "*child_spo2" in text
    assert load_rule_set(text) == default_rule_set()


@pytest.fixture
def session() -> Iterator[Session]:
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    with Session(engine) as s:
        yield s


def test_a_dry_run_stops_at_its_time_bound_and_says_so(session: Session) -> None:
    patient = uuid.uuid4()
    projections.patient_identity(session, registered(patient, "Durand", "Lou", BORN))
    episode = opened(patient, uuid.uuid4())
    projections.episode_opened(session, episode)
    for _ in range(3):
        projections.reading_recorded(session, recorded_as(
            episode, datetime(2026, 11, 20, tzinfo=UTC), {"heart_rate": "normal"}, "normal", heart_rate=70))
    whole = dry_run(session, default_rule_set())
    assert (whole["complete"], whole["readings_evaluated"]) == (True, 3)
    cut = dry_run(session, default_rule_set(), seconds=-1)
    assert (cut["complete"], cut["readings_evaluated"]) == (False, 0)


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = ServiceSettings(data_dir=tmp_path, internal_token=TOKEN)
    storage = Storage(SERVICE, settings)
    storage.create_tables(metadata)
    app = MonitorApplication(env=storage.eventsourcing_env())
    app.rule_set = default_rule_set()
    wiring = Wiring(SERVICE, settings, storage, app, broker=None)  # type: ignore[arg-type]
    test = TestClient(wiring.http([http.router(app), lists_http.router(storage)]), raise_server_exceptions=False)
    test.headers.update({"X-Internal-Token": TOKEN, "X-Actor-Kind": "professional", "X-Actor-Id": "pro-7"})
    return test


def _open(client: TestClient, **dates: str) -> Any:
    body = {"patient_id": str(uuid.uuid4()), "birth_date": BORN.isoformat(), "status": "suspected",
            "structure_id": str(uuid.uuid4()), "started_on": (date.today() - timedelta(days=1)).isoformat(), **dates}
    return client.post("/episodes", json=body)


def test_the_internal_api_answers_422_naming_the_field(client: TestClient) -> None:
    refused = _open(client, started_on="1900-01-01")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "started_on", refused.text
    episode = _open(client).json()["id"]
    readings = f"/episodes/{episode}/readings"
    for raw, field in ((b'"spo2": NaN', "spo2"), (b'"spo2": 1e400', "spo2"),
                       (b'"heart_rate": 18446744073709551616', "heart_rate"), (b'"dyspnea": "\\ud800"', "dyspnea")):
        body = b'{"taken_at": "%s", "temperature": 38.2, %s}' % (datetime.now(UTC).isoformat().encode(), raw)
        response = client.post(readings, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == field, response.text
    for extreme in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"):
        response = client.post(readings, json={"taken_at": extreme, "temperature": 37})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "taken_at", response.text
    before_birth = client.post(readings, json={"taken_at": "1980-01-01T00:00:00Z", "temperature": 37})
    assert before_birth.status_code == 422 and before_birth.json()["errors"][0]["field"] == "taken_at"
    assert client.get(readings).json() == []
    assert client.get("/monitoring/patients", params={
        "structure_id": str(uuid.uuid4()), "population": "adults", "offset": 2**63}).status_code == 422


def test_a_refused_dry_run_leaves_the_next_request_unharmed(client: TestClient) -> None:
    episode = _open(client).json()["id"]
    for rule_set in (_nested(100_000)[:MAX_RULE_SET_CHARS], _nested(5000), _alias_bomb(9)):
        refused = client.post("/rule-sets/dry-run", json={"rule_set": rule_set})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "rule_set", refused.text
    reading = {"taken_at": datetime.now(UTC).isoformat(), "temperature": 37}
    assert client.post(f"/episodes/{episode}/readings", json=reading).status_code == 201
    report = client.post("/rule-sets/dry-run", json={"rule_set": default_rule_set().model_dump(mode="json")})
    assert report.status_code == 200 and report.json()["complete"] is True
