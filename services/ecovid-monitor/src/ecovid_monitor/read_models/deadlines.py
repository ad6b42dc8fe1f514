"""Reporting deadlines (échéances de relevé), kept from the service's own events.

Nothing is timed in memory: after a restart the poller finds the same due rows.
The aggregate stays the judge of a missed report; this table only says where to look.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ecovid_events.ecovid import (
    CareEpisodeClosed,
    CareEpisodeOpened,
    CareStatusChanged,
    ReadingOverdue,
    ReadingRecorded,
)

from ecovid_monitor.domain.episode import reporting_interval
from ecovid_monitor.read_models.tables import deadlines

READINGS_PER_DAY = range(1, 13)  # what an episode may ask for (see the internal API)


class Deadlines:
    def __init__(self, override_seconds: float | None = None) -> None:
        self.override_seconds = override_seconds

    def _due(self, readings_per_day: int, since: datetime) -> datetime:
        return since + reporting_interval(readings_per_day, self.override_seconds)

    def episode_opened(self, session: Session, event: CareEpisodeOpened) -> None:
        per_day = event.payload.readings_per_day
        session.execute(sa.insert(deadlines).values(
            episode_id=event.payload.episode_id, readings_per_day=per_day, in_hospital=False,
            due_at=self._due(per_day, event.occurred_at),
        ))

    def reading_recorded(self, session: Session, event: ReadingRecorded) -> None:
        # A reading entered during a hospital stay leaves the deadline paused.
        self._rearm(session, event.payload.episode_id, event.payload.recorded_at, in_hospital=False)

    def readings_recorded(self, session: Session, events: list[ReadingRecorded]) -> None:
        """A run of readings: each episode's deadline moves from its latest one, in one statement."""
        latest = {e.payload.episode_id: e.payload.recorded_at for e in events}
        due = sa.case({n: sa.bindparam(f"b_due_{n}", type_=deadlines.c.due_at.type) for n in READINGS_PER_DAY},
                      value=deadlines.c.readings_per_day)
        session.execute(
            sa.update(deadlines)
            .where(deadlines.c.episode_id == sa.bindparam("b_episode"), deadlines.c.in_hospital.is_(False))
            .values(due_at=due, in_hospital=False),
            [{"b_episode": episode, **{f"b_due_{n}": self._due(n, since) for n in READINGS_PER_DAY}}
             for episode, since in latest.items()],
        )

    def status_changed(self, session: Session, event: CareStatusChanged) -> None:
        episode_id = event.payload.episode_id
        if event.payload.hospitalised:
            session.execute(sa.update(deadlines).where(deadlines.c.episode_id == episode_id)
                            .values(due_at=None, in_hospital=True))
        else:
            # Back home; a status change while at home leaves the running deadline alone.
            self._rearm(session, episode_id, event.occurred_at, in_hospital=True)

    def reading_overdue(self, session: Session, event: ReadingOverdue) -> None:
        self._set(session, event.payload.episode_id, None)

    def episode_closed(self, session: Session, event: CareEpisodeClosed) -> None:
        session.execute(sa.delete(deadlines).where(deadlines.c.episode_id == event.payload.episode_id))

    def _rearm(self, session: Session, episode_id: uuid.UUID, since: datetime, in_hospital: bool) -> None:
        """One statement: the new deadline for each possible readings-per-day, chosen by the row."""
        due = sa.case({n: self._due(n, since) for n in READINGS_PER_DAY}, value=deadlines.c.readings_per_day)
        where = [deadlines.c.episode_id == episode_id, deadlines.c.in_hospital.is_(in_hospital)]
        session.execute(sa.update(deadlines).where(*where).values(due_at=due, in_hospital=False))

    def _set(self, session: Session, episode_id: uuid.UUID, due_at: datetime | None) -> None:
        session.execute(sa.update(deadlines).where(deadlines.c.episode_id == episode_id).values(due_at=due_at))


def due_episodes(session: Session, now: datetime, limit: int = 200) -> list[uuid.UUID]:
    query = (sa.select(deadlines.c.episode_id).where(deadlines.c.due_at <= now)
             .order_by(deadlines.c.due_at).limit(limit))
    return list(session.scalars(query))
