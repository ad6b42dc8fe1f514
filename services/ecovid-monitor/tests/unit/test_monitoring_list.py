"""The monitoring lists on their read model (SQLite): each filter, the order, the paging."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ecovid_events.ecovid import ReadingOverdue, ReadingOverduePayload

from ecovid_monitor.read_models import projections
from ecovid_monitor.read_models.monitoring_list import ListQuery, list_patients
from ecovid_monitor.read_models.tables import metadata

from events_for_tests import ENVELOPE, opened, reading, registered

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
STRUCTURE = uuid.uuid4()


@pytest.fixture
def session() -> Session:
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    with Session(engine) as s:
        yield s


def enrol(session: Session, last: str, born: date, commune: str = "Paris", structure: uuid.UUID = STRUCTURE,
          **details: Any) -> Any:
    patient = uuid.uuid4()
    projections.patient_identity(session, registered(patient, last, "Héloïse", born, commune))
    episode = opened(patient, structure, **details)
    projections.episode_opened(session, episode)
    return episode


def names(session: Session, **filters: Any) -> list[str]:
    query = ListQuery(structure_id=STRUCTURE, population=filters.pop("population", "adults"), today=TODAY, **filters)
    return [row["last_name"] for row in list_patients(session, query)["rows"]]


@pytest.fixture
def ward(session: Session) -> Session:
    adult = date(1960, 5, 1)
    alarming = enrol(session, "Alarme", adult, "Créteil", first_symptoms_on=date(2026, 11, 10))
    projections.reading_recorded(session, reading(alarming, NOW - timedelta(hours=1), adult, temperature=40.5))
    old_watch = enrol(session, "Orange", date(1990, 1, 1), first_symptoms_on=date(2026, 11, 15))
    projections.reading_recorded(session, reading(old_watch, NOW - timedelta(hours=9), adult, cough=True))
    new_watch = enrol(session, "Ocre", date(1950, 1, 1))
    projections.reading_recorded(session, reading(new_watch, NOW - timedelta(hours=2), adult, spo2=94))
    calm = enrol(session, "Élan", date(2000, 1, 1))
    projections.reading_recorded(session, reading(calm, NOW - timedelta(hours=3), adult, temperature=37))
    silent = enrol(session, "Silence", date(1970, 1, 1))
    projections.reading_recorded(session, reading(silent, NOW - timedelta(hours=20), adult, temperature=37))
    projections.reading_overdue(session, ReadingOverdue(
        event_id=uuid.uuid4(), occurred_at=NOW, patient_id=silent.patient_id, **ENVELOPE,
        payload=ReadingOverduePayload(episode_id=silent.payload.episode_id, gap_started_at=NOW,
                                      due_at=NOW, interval_seconds=43200)))
    enrol(session, "Nouveau", date(1980, 1, 1))
    enrol(session, "Enfant", date(2015, 6, 1))
    enrol(session, "Ailleurs", date(1960, 1, 1), structure=uuid.uuid4())
    return session


def test_order_severity_then_staleness(ward: Session) -> None:
    assert names(ward) == ["Alarme", "Silence", "Orange", "Ocre", "Élan", "Nouveau"]
    assert names(ward, population="children") == ["Enfant"]


@pytest.mark.parametrize(("filters", "expected"), [
    ({"level": "alert"}, ["Alarme"]),
    ({"level": "overdue"}, ["Silence"]),
    ({"level": "watch"}, ["Orange", "Ocre"]),
    ({"level": "none"}, ["Nouveau"]),
    ({"symptom": "cough"}, ["Orange"]),
    ({"symptom": "spo2"}, ["Ocre"]),
    ({"updated_before": NOW - timedelta(hours=5)}, ["Silence", "Orange"]),
    ({"updated_after": NOW - timedelta(hours=5)}, ["Alarme", "Ocre", "Élan"]),
    ({"age_min": 70}, ["Ocre"]),
    ({"age_min": 26, "age_max": 56}, ["Silence", "Orange", "Élan", "Nouveau"]),
    ({"age_min": 27, "age_max": 55}, ["Orange", "Nouveau"]),
    ({"commune": "CRETEIL"}, ["Alarme"]),
    ({"first_symptoms_from": date(2026, 11, 12)}, ["Orange"]),
    ({"first_symptoms_to": date(2026, 11, 12)}, ["Alarme"]),
    ({"name": "el"}, ["Élan"]),
    ({"name": "heloise"}, ["Alarme", "Silence", "Orange", "Ocre", "Élan", "Nouveau"]),
    ({"name": "o%"}, ["Orange", "Ocre"]),  # punctuation is ignored, never a wildcard
])
def test_filters(ward: Session, filters: dict[str, Any], expected: list[str]) -> None:
    assert names(ward, **filters) == expected


def test_paging_and_row(ward: Session) -> None:
    page = list_patients(ward, ListQuery(structure_id=STRUCTURE, population="adults", today=TODAY, limit=2, offset=1))
    assert page["total"] == 6
    assert [r["last_name"] for r in page["rows"]] == ["Silence", "Orange"]
    row = page["rows"][1]
    assert row["age"] == 36 and row["general_state"] == "watch" and row["levels"]["cough"] == "watch"
    assert row["hospitalised"] is False and row["status"] == "tested_positive"


def test_a_professional_s_list_holds_only_the_patients_given(session: Session) -> None:
    """The gateway gives the patients of the caller's circles: nobody else shows, whatever
    the structure; an empty set is an empty list, never the structure's.

    Break: `patient_ids` ignored in _conditions -> the colleague's patient shows, fails.
    """
    mine = enrol(session, "Mienne", date(1960, 1, 1))
    enrol(session, "Voisine", date(1960, 1, 1))  # same structure, another circle
    elsewhere = enrol(session, "Ailleurs", date(1960, 1, 1), structure=uuid.uuid4())

    def shown(patients: tuple[uuid.UUID, ...]) -> list[str]:
        query = ListQuery(structure_id=None, patient_ids=patients, population="adults", today=TODAY)
        return sorted(row["last_name"] for row in list_patients(session, query)["rows"])

    assert shown((mine.patient_id, elsewhere.patient_id)) == ["Ailleurs", "Mienne"]
    assert shown(()) == []
    nobody = ListQuery(structure_id=None, population="adults", today=TODAY)
    assert list_patients(session, nobody)["total"] == 0
