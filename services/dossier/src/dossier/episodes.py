"""Read model of the patients' COVID care episodes, fed by ecovid-monitor's events,
so the summary shows the open episode and its latest state."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ecovid_events.ecovid import CareEpisodeClosed, CareEpisodeOpened, CareStatusChanged, ReadingRecorded
from ecovid_platform.tables import UTCDateTime

from dossier.read_models import metadata

care_episodes = sa.Table(
    "care_episodes",
    metadata,
    sa.Column("episode_id", sa.Uuid, primary_key=True),
    sa.Column("patient_id", sa.Uuid, nullable=False, index=True),
    sa.Column("started_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("structure_id", sa.Uuid, nullable=False),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    sa.Column("hospitalised", sa.Boolean, nullable=False, default=False),
    sa.Column("closed_on", sa.Date, nullable=True),
    sa.Column("readings", sa.Integer, nullable=False, default=0),
    sa.Column("last_reading_at", UTCDateTime, nullable=True),
    sa.Column("last_level", sa.String(10), nullable=True),
    sa.Column("last_levels", sa.JSON, nullable=True),
)


def episode_opened(session: Session, event: CareEpisodeOpened) -> None:
    p = event.payload
    session.execute(care_episodes.insert().values(
        episode_id=p.episode_id, patient_id=event.patient_id, started_on=p.started_on,
        status=p.status, structure_id=p.structure_id, opened_at=event.occurred_at, readings=0,
        hospitalised=False,
    ))


def status_changed(session: Session, event: CareStatusChanged) -> None:
    p = event.payload
    session.execute(care_episodes.update().where(care_episodes.c.episode_id == p.episode_id)
                    .values(status=p.status, hospitalised=p.hospitalised))


def episode_closed(session: Session, event: CareEpisodeClosed) -> None:
    p = event.payload
    session.execute(care_episodes.update().where(care_episodes.c.episode_id == p.episode_id)
                    .values(closed_on=p.closed_on))


def reading_recorded(session: Session, event: ReadingRecorded) -> None:
    p = event.payload
    row = session.execute(
        sa.select(care_episodes.c.last_reading_at).where(care_episodes.c.episode_id == p.episode_id)
    ).first()
    if row is None:
        return  # an episode opened before this read model existed: nothing to show yet
    values: dict[str, Any] = {"readings": care_episodes.c.readings + 1}
    # A late reading (taken earlier) counts, but does not replace the latest state.
    if row.last_reading_at is None or p.taken_at >= row.last_reading_at:
        values |= {"last_reading_at": p.taken_at, "last_level": p.overall_level, "last_levels": dict(p.levels)}
    session.execute(care_episodes.update().where(care_episodes.c.episode_id == p.episode_id).values(**values))


def readings_recorded(session: Session, events: list[ReadingRecorded]) -> None:
    """A run of readings: the same rows as `reading_recorded` on each in turn, in three statements."""
    by_episode: dict[uuid.UUID, list[ReadingRecorded]] = {}
    for event in events:
        by_episode.setdefault(event.payload.episode_id, []).append(event)
    known = {row.episode_id: row.last_reading_at for row in session.execute(
        sa.select(care_episodes.c.episode_id, care_episodes.c.last_reading_at)
        .where(care_episodes.c.episode_id.in_(list(by_episode)))
    )}
    counted, latest = [], []
    for episode_id, run in by_episode.items():
        if episode_id not in known:
            continue  # an episode opened before this read model existed: nothing to show yet
        shown, newest = known[episode_id], None
        for event in run:
            if shown is None or event.payload.taken_at >= shown:
                shown, newest = event.payload.taken_at, event.payload
        counted.append({"b_episode": episode_id, "b_count": len(run)})
        if newest is not None:
            latest.append({"b_episode": episode_id, "b_at": newest.taken_at, "b_level": newest.overall_level,
                           "b_levels": dict(newest.levels)})
    this = care_episodes.c.episode_id == sa.bindparam("b_episode")
    if counted:
        session.execute(care_episodes.update().where(this).values(
            readings=care_episodes.c.readings + sa.bindparam("b_count")), counted)
    if latest:
        session.execute(care_episodes.update().where(this).values(
            last_reading_at=sa.bindparam("b_at", type_=care_episodes.c.last_reading_at.type),
            last_level=sa.bindparam("b_level"),
            last_levels=sa.bindparam("b_levels", type_=care_episodes.c.last_levels.type),
        ), latest)


def current_episode(session: Session, patient_id: uuid.UUID) -> dict[str, Any] | None:
    """The open episode, if any (one at a time per patient)."""
    row = session.execute(
        sa.select(care_episodes)
        .where(care_episodes.c.patient_id == patient_id, care_episodes.c.closed_on.is_(None))
        .order_by(care_episodes.c.opened_at.desc()).limit(1)
    ).first()
    if row is None:
        return None
    r = row._mapping
    return {
        "id": str(r["episode_id"]), "started_on": r["started_on"].isoformat(), "status": r["status"],
        "structure_id": str(r["structure_id"]), "readings": r["readings"], "hospitalised": r["hospitalised"],
        "last_reading_at": r["last_reading_at"].isoformat() if r["last_reading_at"] else None,
        "general_state": r["last_level"] or "unknown", "levels": r["last_levels"] or {},
    }
