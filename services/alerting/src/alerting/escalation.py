"""Escalation: an `alert`-level alert not acknowledged within the delay goes to the circle's
coordinators, and after a second delay to its administrators.

The deadlines come from alerting's own events (a projection of its notification log):
raised -> step 1 due at raised + delay; escalated to step n -> step n+1 due at escalated +
delay; acknowledged or resolved -> no deadline. Kept in a table, they survive restarts; the
watcher fires what is due, and the aggregate refuses a step it already took, so a deadline
fired twice (a crash after the escalation, before the deadline moved) escalates once.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.orm import Session

from ecovid_events.alerting import AlertAcknowledged, AlertEscalated, AlertRaised, AlertResolved
from ecovid_platform.consumer import Projects
from ecovid_platform.projector import Projection
from ecovid_platform.storage import Storage
from ecovid_platform.tables import UTCDateTime

from alerting.application import AlertingApplication
from alerting.read_models import metadata

log = structlog.get_logger(__name__)

STEPS = {1: ["coordinator"], 2: ["administrator"]}

deadlines = sa.Table(
    "escalation_deadlines",
    metadata,
    sa.Column("alert_id", sa.Uuid, primary_key=True),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=False, index=True),
)


def projection(delay: timedelta, horizon: timedelta = timedelta(days=1), now: Any = None) -> Projection:
    """`horizon`: an alert raised longer ago than this when its event is first projected (a
    database upgraded with old open alerts) gets no deadline: escalating last week's alerts
    all at once would tell nobody anything useful."""
    clock = now or (lambda: datetime.now(UTC))

    def due(session: Session, alert_id: Any, step: int, at: datetime) -> None:
        session.execute(deadlines.delete().where(deadlines.c.alert_id == alert_id))
        if step in STEPS:
            session.execute(deadlines.insert().values(alert_id=alert_id, step=step, due_at=at + delay))

    def raised(session: Session, event: AlertRaised) -> None:
        if event.payload.level == "alert" and clock() - event.payload.raised_at <= horizon:
            due(session, event.payload.alert_id, 1, event.payload.raised_at)

    def escalated(session: Session, event: AlertEscalated) -> None:
        due(session, event.payload.alert_id, event.payload.step + 1, event.payload.escalated_at)

    def ended(session: Session, event: AlertAcknowledged | AlertResolved) -> None:
        session.execute(deadlines.delete().where(deadlines.c.alert_id == event.payload.alert_id))

    return Projection("alerting.escalation-deadlines", {
        "AlertRaised": Projects(raised), "AlertEscalated": Projects(escalated),
        "AlertAcknowledged": Projects(ended), "AlertResolved": Projects(ended),
    }, owned=[deadlines])


class Watcher:
    def __init__(self, app: AlertingApplication, storage: Storage, poll_seconds: float = 1.0) -> None:
        self.app, self.storage, self.poll_seconds = app, storage, poll_seconds

    async def run(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.fire_due)
            except Exception as error:  # noqa: BLE001 - the database failing: tried again
                log.warning("escalation watcher paused", error=repr(error))
            await asyncio.sleep(self.poll_seconds)

    def fire_due(self, now: datetime | None = None) -> int:
        with self.storage.transaction() as session:
            due = session.execute(sa.select(deadlines).where(deadlines.c.due_at <= (now or datetime.now(UTC)))
                                  .order_by(deadlines.c.due_at).limit(100)).all()
        fired = 0
        for row in due:
            done = self.app.escalate(row.alert_id, row.step, STEPS[row.step], f"escalation:{row.alert_id}:{row.step}")
            if done is None:
                # Acknowledged or resolved meanwhile, or that step taken already: the projection
                # moves or removes the deadline when it sees the event; nothing to do here.
                with self.storage.transaction() as session:
                    session.execute(deadlines.delete().where(deadlines.c.alert_id == row.alert_id,
                                                             deadlines.c.step == row.step))
            else:
                fired += 1
                log.info("alert escalated", alert_id=str(row.alert_id), step=row.step)
        return fired
