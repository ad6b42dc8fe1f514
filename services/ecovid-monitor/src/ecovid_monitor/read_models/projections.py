"""Keeps the monitoring list rows and the past readings up to date from integration events:
the service's own (from its notification log) and the dossier's names (from its topic)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ecovid_events import topics
from ecovid_events.dossier import PatientIdentityUpdated, PatientRegistered
from ecovid_events.ecovid import (
    CareEpisodeClosed,
    CareEpisodeOpened,
    CareStatusChanged,
    ReadingOverdue,
    ReadingRecorded,
)
from ecovid_platform.bulk import insert_rows
from ecovid_platform.consumer import Projects
from ecovid_platform.projector import Projection
from ecovid_platform.rebuild import Consumed, ReadModel

from ecovid_monitor.read_models.deadlines import Deadlines
from ecovid_monitor.read_models.names import search_key
from ecovid_monitor.read_models.tables import deadlines as deadlines_table
from ecovid_monitor.read_models.tables import patients, readings, rows, symptoms

# The lists have two writers: the local projector (the service's own events) and the
# consumer of the dossier's topic (names). An episode opened while its patient's name
# arrives must end up with the name whichever commits first, so each takes this lock
# before it reads what the other writes (PostgreSQL; SQLite lets one writer in at a time).
IDENTITY_LOCK = 0x65636F7669640001


def _one_identity_writer(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(IDENTITY_LOCK)))


# Order of the lists: alert, overdue, watch, normal, then patients without a reading.
SEVERITY = {"alert": 4, "overdue": 3, "watch": 2, "normal": 1, "none": 0}
OUT_OF_RANGE = ("watch", "alert")


def _identity(values: Any) -> dict[str, Any]:
    return {
        "last_name": values["last_name"], "first_name": values["first_name"],
        "last_name_key": search_key(values["last_name"]),
        "first_name_key": search_key(values["first_name"]),
        "birth_date": values["birth_date"], "commune": values["commune"],
        "commune_key": search_key(values["commune"]),
    }


def patient_identity(session: Session, event: PatientRegistered | PatientIdentityUpdated) -> None:
    patient_identities(session, [event])


def patient_identities(session: Session, events: list[PatientRegistered | PatientIdentityUpdated]) -> None:
    """Each event carries the whole identity: per patient, the last one is what stays (as when
    applied in turn), written with one statement per table and kind of write."""
    _one_identity_writer(session)
    latest = {e.patient_id: {"last_name": e.payload.last_name, "first_name": e.payload.first_name,
                             "birth_date": e.payload.birth_date, "commune": e.payload.commune} for e in events}
    known = set(session.execute(sa.select(patients.c.patient_id).where(patients.c.patient_id.in_(list(latest))))
                .scalars())
    if known:
        session.execute(_update_by_patient(patients, IDENTITY),
                        [_bound(patient, identity) for patient, identity in latest.items() if patient in known])
    new = [{"patient_id": patient, **identity} for patient, identity in latest.items() if patient not in known]
    if new:
        insert_rows(session, patients, new)
    session.execute(_update_by_patient(rows, ROW_IDENTITY),
                    [_bound(patient, _identity(identity)) for patient, identity in latest.items()])


IDENTITY = ("last_name", "first_name", "birth_date", "commune")
ROW_IDENTITY = (*IDENTITY, "last_name_key", "first_name_key", "commune_key")


def _update_by_patient(table: sa.Table, names: tuple[str, ...]) -> Any:
    # Parameters named apart from the columns (b_...): SQLAlchemy reserves the columns' names.
    return sa.update(table).where(table.c.patient_id == sa.bindparam("b_patient")).values(
        {name: sa.bindparam(f"b_{name}", type_=table.c[name].type) for name in names})


def _bound(patient: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {"b_patient": patient, **{f"b_{name}": value for name, value in values.items()}}


def episode_opened(session: Session, event: CareEpisodeOpened) -> None:
    episodes_opened(session, [event])


def episodes_opened(session: Session, events: list[CareEpisodeOpened]) -> None:
    """A row per episode, with its patient's identity when the dossier's name came first."""
    _one_identity_writer(session)
    named = {row.patient_id: row._mapping for row in session.execute(
        sa.select(patients).where(patients.c.patient_id.in_(list({e.patient_id for e in events}))))}
    unnamed = dict.fromkeys(ROW_IDENTITY)
    insert_rows(session, rows, [{
        "episode_id": e.payload.episode_id, "patient_id": e.patient_id, "structure_id": e.payload.structure_id,
        "status": e.payload.status, "hospitalised": False, "first_symptoms_on": e.payload.first_symptoms_on,
        "general_state": "none", "severity": SEVERITY["none"], "levels": {}, "opened_at": e.occurred_at,
        **(_identity(named[e.patient_id]) if e.patient_id in named else unnamed),
    } for e in events])


def status_changed(session: Session, event: CareStatusChanged) -> None:
    p = event.payload
    session.execute(sa.update(rows).where(rows.c.episode_id == p.episode_id)
                    .values(status=p.status, hospitalised=p.hospitalised))


def episode_closed(session: Session, event: CareEpisodeClosed) -> None:
    episode_id = event.payload.episode_id
    session.execute(sa.delete(symptoms).where(symptoms.c.episode_id == episode_id))
    session.execute(sa.delete(rows).where(rows.c.episode_id == episode_id))


def reading_recorded(session: Session, event: ReadingRecorded) -> None:
    p = event.payload
    state = _state(p.overall_level)
    session.execute(sa.update(rows).where(rows.c.episode_id == p.episode_id).values(
        general_state=state, severity=SEVERITY[state], last_reading_at=p.taken_at, levels=p.levels,
    ))
    session.execute(sa.delete(symptoms).where(symptoms.c.episode_id == p.episode_id))
    present = [name for name, level in p.levels.items() if level in OUT_OF_RANGE]
    if present:
        session.execute(sa.insert(symptoms), [{"indicator": n, "episode_id": p.episode_id} for n in present])
    session.execute(sa.insert(readings).values(
        reading_id=p.reading_id, episode_id=p.episode_id, patient_id=event.patient_id,
        taken_at=p.taken_at, values=p.values, levels=p.levels, overall_level=p.overall_level,
    ))


def readings_recorded(session: Session, events: list[ReadingRecorded]) -> None:
    """A run of readings at once: the same rows as `reading_recorded` on each in turn, in
    five statements (each sent once with all its parameter sets; the readings by COPY)."""
    latest = {e.payload.episode_id: e.payload for e in events}  # the last one wins, as in turn
    states = {episode: _state(p.overall_level) for episode, p in latest.items()}
    session.execute(
        sa.update(rows).where(rows.c.episode_id == sa.bindparam("b_episode")).values(
            general_state=sa.bindparam("b_state"), severity=sa.bindparam("b_severity"),
            last_reading_at=sa.bindparam("b_taken_at", type_=rows.c.last_reading_at.type),
            levels=sa.bindparam("b_levels", type_=rows.c.levels.type),
        ),
        [{"b_episode": episode, "b_state": states[episode], "b_severity": SEVERITY[states[episode]],
          "b_taken_at": p.taken_at, "b_levels": p.levels} for episode, p in latest.items()],
    )
    session.execute(sa.delete(symptoms).where(symptoms.c.episode_id.in_(list(latest))))
    present = [{"indicator": name, "episode_id": episode} for episode, p in latest.items()
               for name, level in p.levels.items() if level in OUT_OF_RANGE]
    if present:
        session.execute(sa.insert(symptoms), present)
    insert_rows(session, readings, [{
        "reading_id": e.payload.reading_id, "episode_id": e.payload.episode_id, "patient_id": e.patient_id,
        "taken_at": e.payload.taken_at, "values": e.payload.values, "levels": e.payload.levels,
        "overall_level": e.payload.overall_level,
    } for e in events])


def _state(overall_level: str) -> str:
    return overall_level if overall_level in SEVERITY else "none"


def reading_overdue(session: Session, event: ReadingOverdue) -> None:
    session.execute(sa.update(rows).where(rows.c.episode_id == event.payload.episode_id)
                    .values(general_state="overdue", severity=SEVERITY["overdue"]))


def read_models(deadlines: Deadlines) -> list[ReadModel]:
    """The lists (names included: the rows carry them) and the reporting deadlines."""
    return [
        ReadModel("lists", [patients, rows, symptoms, readings], local=Projection("ecovid-monitor.lists", {
            "CareEpisodeOpened": Projects(episode_opened, episodes_opened),
            "ReadingRecorded": Projects(reading_recorded, readings_recorded),
            "CareStatusChanged": Projects(status_changed),
            "CareEpisodeClosed": Projects(episode_closed),
            "ReadingOverdue": Projects(reading_overdue),
        }, owned=[rows, symptoms, readings]), consumed=Consumed("ecovid-monitor.read-models", (topics.DOSSIER,), {
            "PatientRegistered": Projects(patient_identity, patient_identities),
            "PatientIdentityUpdated": Projects(patient_identity, patient_identities),
        })),
        ReadModel("deadlines", [deadlines_table], local=Projection("ecovid-monitor.deadlines", {
            "CareEpisodeOpened": Projects(deadlines.episode_opened),
            "ReadingRecorded": Projects(deadlines.reading_recorded, deadlines.readings_recorded),
            "CareStatusChanged": Projects(deadlines.status_changed),
            "CareEpisodeClosed": Projects(deadlines.episode_closed),
            "ReadingOverdue": Projects(deadlines.reading_overdue),
        }, owned=[deadlines_table])),
    ]
