"""A run of readings projected at once leaves the same read models as the readings one by one."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ecovid_events.dossier import PatientIdentity, PatientIdentityUpdated

from ecovid_monitor.read_models import projections
from ecovid_monitor.read_models.deadlines import Deadlines
from ecovid_monitor.read_models.tables import deadlines, metadata, readings, rows, symptoms

from events_for_tests import opened, reading, registered

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
BORN = date(1960, 5, 1)


def _ward() -> tuple[list[Any], list[Any]]:
    """Three episodes; two get several readings, in an order where the last is not the worst."""
    setup, runs = [], []
    episodes = []
    for name in ("Alarme", "Orange", "Calme"):
        patient = uuid.uuid4()
        episode = opened(patient, uuid.uuid4(), at=NOW - timedelta(days=1))
        setup += [registered(patient, name, "Héloïse", BORN, "Paris"), episode]
        episodes.append(episode)
    alarming, watch, calm = episodes
    runs = [
        reading(alarming, NOW - timedelta(hours=3), BORN, temperature=37.0),
        reading(watch, NOW - timedelta(hours=3), BORN, cough=True, spo2=94),
        reading(alarming, NOW - timedelta(hours=2), BORN, temperature=40.5, spo2=90),
        reading(calm, NOW - timedelta(hours=2), BORN, temperature=36.8),
        reading(watch, NOW - timedelta(hours=1), BORN, malaise=True),
        reading(alarming, NOW - timedelta(hours=1), BORN, heart_rate=70),
    ]
    return setup, runs


def _tables(apply_run: Callable[[Session, list[Any]], None]) -> dict[str, list[tuple[Any, ...]]]:
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    setup, run = _ward()
    watch = Deadlines()
    with Session(engine) as session:
        for event in setup:
            if event.event_type == "PatientRegistered":
                projections.patient_identity(session, event)
            else:
                projections.episode_opened(session, event)
                watch.episode_opened(session, event)
        apply_run(session, run)
        # Ids differ between two builds of the ward: compare what the rows say, by name.
        names = {r.episode_id: r.last_name for r in session.execute(sa.select(rows))}
        return {
            "rows": sorted((r.last_name, r.general_state, r.severity, r.last_reading_at, str(r.levels))
                           for r in session.execute(sa.select(rows))),
            "symptoms": sorted((names[r.episode_id], r.indicator) for r in session.execute(sa.select(symptoms))),
            "readings": sorted((names[r.episode_id], r.taken_at, r.overall_level)
                               for r in session.execute(sa.select(readings))),
            "deadlines": sorted((names[r.episode_id], r.due_at, r.in_hospital)
                                for r in session.execute(sa.select(deadlines))),
        }


def test_a_run_of_readings_at_once_equals_one_by_one() -> None:
    def one_by_one(session: Session, run: list[Any]) -> None:
        watch = Deadlines()
        for event in run:
            projections.reading_recorded(session, event)
            watch.reading_recorded(session, event)

    def at_once(session: Session, run: list[Any]) -> None:
        projections.readings_recorded(session, run)
        Deadlines().readings_recorded(session, run)

    expected, batched = _tables(one_by_one), _tables(at_once)
    assert batched == expected
    assert [r[1] for r in expected["rows"]] == ["normal", "normal", "watch"]  # the last reading wins
    assert len(expected["readings"]) == 6 and len(expected["symptoms"]) == 1
    assert all(due is not None for _, due, _ in expected["deadlines"])


def _lists_after(steps: list[tuple[Callable[[Session, list[Any]], None], list[Any]]]) -> dict[str, list[Any]]:
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    with Session(engine) as session:
        for apply_run, events in steps:
            apply_run(session, events)
        return {t.name: sorted((dict(r._mapping) for r in session.execute(sa.select(t))), key=repr)
                for t in (projections.patients, rows)}


def _in_turn(apply: Callable[[Session, Any], None]) -> Callable[[Session, list[Any]], None]:
    return lambda session, events: [apply(session, event) for event in events]


def test_runs_of_names_and_of_openings_at_once_equal_one_by_one() -> None:
    """Names arriving before and after their episodes open, one patient renamed twice within a
    run (the last name stays), one never opened: the same patients and rows either way."""
    early, late, renamed, never = (uuid.uuid4() for _ in range(4))
    structure = uuid.uuid4()
    renaming = registered(renamed, "Avant", "Zoé", BORN)

    def renamed_as(last: str, commune: str) -> PatientIdentityUpdated:
        return PatientIdentityUpdated(**{k: v for k, v in dict(renaming).items() if k not in (
            "event_type", "payload", "event_id")}, event_id=uuid.uuid4(), payload=PatientIdentity(
            last_name=last, first_name="Zoé", birth_date=BORN, sex="female", commune=commune))

    names_first = [registered(early, "Tôt", "Léa", BORN), renaming]
    openings = [opened(p, structure, at=NOW) for p in (early, late, renamed, renamed)]
    names_then = [registered(late, "Tard", "Noé", BORN, "Nantes"), renamed_as("Entre", "Metz"),
                  renamed_as("Après", "Lyon"), registered(never, "Nul", "Eve", BORN)]

    def steps(names: Callable[[Session, list[Any]], None], opens: Callable[[Session, list[Any]], None]) -> Any:
        return [(names, names_first), (opens, openings), (names, names_then)]

    expected = _lists_after(steps(_in_turn(projections.patient_identity), _in_turn(projections.episode_opened)))
    at_once = _lists_after(steps(projections.patient_identities, projections.episodes_opened))
    assert at_once == expected
    assert sorted(r["last_name"] for r in expected["monitor_patients"]) == ["Après", "Nul", "Tard", "Tôt"]
    assert sorted(r["last_name"] for r in expected["monitoring_rows"]) == ["Après", "Après", "Tard", "Tôt"]
    assert {r["commune_key"] for r in expected["monitoring_rows"] if r["last_name"] == "Après"} == {"lyon"}
