"""Use cases of alerting: raise or update an alert from an alarming event, acknowledge,
escalate and resolve it; a missed-report alert resolves itself when a reading arrives."""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from ecovid_events import Actor
from ecovid_events.admissions import AdmissionCancelled, PatientDischarged, PatientHospitalised
from ecovid_events.care_circle import EmergencyAccessDeclared
from ecovid_events.ecovid import ReadingOverdue, ReadingRecorded, ThresholdBreached
from ecovid_platform.application import ServiceApplication, retry_on_conflict, trace
from ecovid_platform.errors import Conflict

from alerting.domain.alert import Alert, EpisodeAlerts, WrongState
from alerting.domain.recipients import Policies

# A patient's care-circle members and their roles, as alerting last heard of them.
Members = Callable[[uuid.UUID], list[tuple[uuid.UUID, str | None]]]

PLATFORM = Actor(kind="platform")
READING_RECEIVED = "reading_received"
CANCELLED_BY_HOSPITAL = "cancelled_by_hospital"
A = TypeVar("A")
H = TypeVar("H", bound=Callable[..., list[Any]])


def handler(apply: H) -> H:
    """A consumer's handler: its effects are held until saved (see `_unsaved`), and forgotten
    if it fails, so a batch applied again starts from what is stored."""

    @functools.wraps(apply)
    def held(self: AlertingApplication, event: Any) -> list[Any]:
        try:
            effects = apply(self, event)
        except BaseException:
            self._unsaved().clear()
            raise
        self._unsaved().update({a.id: a for a in effects})
        return effects

    return held  # type: ignore[return-value]


class AlertingApplication(ServiceApplication):
    """A consumer's batch is turned into effects event by event, then saved at once: two
    breaches of one episode in a batch must find the alert the first one raised or updated.
    Effects not yet saved are held per thread (the HTTP API's threads never see them)."""

    name = "alerting"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held = threading.local()
        self.members: Members = lambda patient_id: []
        self.policies = Policies()

    def _unsaved(self) -> dict[uuid.UUID, Any]:
        if not hasattr(self._held, "aggregates"):
            self._held.aggregates = {}
        return self._held.aggregates  # type: ignore[no-any-return]

    def find(self, aggregate_id: uuid.UUID, kind: type[A]) -> A | None:
        held = self._unsaved().get(aggregate_id)
        if held is not None:
            return held if isinstance(held, kind) else None
        return super().find(aggregate_id, kind)

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        try:
            return super().save(*objs, **kwargs)
        finally:
            self._unsaved().clear()

    def save_tracked(self, *aggregates: Any, tracking: Any) -> None:
        try:
            super().save_tracked(*aggregates, tracking=tracking)
        finally:
            # Saved, or refused (the batch is worked out again from what is stored).
            self._unsaved().clear()

    @handler
    def alerts_for_breach(self, event: ThresholdBreached) -> list[Any]:
        """Only `alert`-level breaches raise an alert; `watch` ones only colour the lists."""
        if event.payload.overall_level != "alert":
            return []
        indicators = ", ".join(
            f"{b.indicator}={b.value}" for b in event.payload.breaches if b.level == "alert"
        )
        summary = indicators or f"NEWS2 partial score {event.payload.news2_partial_score}"
        return self._raise_or_update(
            event, "threshold", event.payload.episode_id, summary, event.payload.reading_id
        )

    @handler
    def alerts_for_missed_report(self, event: ReadingOverdue) -> list[Any]:
        """Level `alert`, not `watch`: a silent patient may be getting worse, and only alerts reach people."""
        since = event.payload.gap_started_at.isoformat(timespec="minutes")
        return self._raise_or_update(
            event, "missed_report", event.payload.episode_id, f"no reading since {since}", None
        )

    @handler
    def reading_arrived(self, event: ReadingRecorded) -> list[Any]:
        """The patient is no longer silent: the episode's open missed-report alert is resolved."""
        episode = self.find(EpisodeAlerts.create_id(event.payload.episode_id), EpisodeAlerts)
        if episode is None or "missed_report" not in episode.open:
            return []
        alert = self.alert(episode.open["missed_report"])
        alert.resolve(
            PLATFORM.kind, READING_RECEIVED, None, event.payload.recorded_at,
            trace(PLATFORM, event.correlation_id, str(event.event_id)),
        )
        episode.closed(alert)
        return [alert, episode]

    def _raise_or_update(
        self, event: ThresholdBreached | ReadingOverdue, kind: str, episode_id: uuid.UUID,
        summary: str, reading_id: uuid.UUID | None,
    ) -> list[Any]:
        """Idempotent by the source event's id: a redelivery finds it absorbed or raised."""
        cause = trace(PLATFORM, event.correlation_id, str(event.event_id))
        episode = self.find(EpisodeAlerts.create_id(episode_id), EpisodeAlerts)
        if episode is not None and kind in episode.open:
            alert = self.alert(episode.open[kind])
            return [alert] if alert.absorb(event.event_id, "alert", summary, reading_id, cause) else []
        if self._exists(Alert.create_id(event.event_id)) or (
            episode is not None and event.event_id in episode.closed_sources
        ):
            return []
        recipients = self.policies.for_structure(None).recipients(kind, self.members(event.patient_id))
        alert = Alert(
            source_event_id=event.event_id, patient_id=event.patient_id, kind=kind, level="alert",
            summary=summary, reading_id=reading_id, trace=cause, episode_id=episode_id,
            recipients=recipients,
        )
        episode = episode or EpisodeAlerts(episode_id)
        episode.opened(alert)
        return [alert, episode]

    @handler
    def alerts_for_stay(self, event: PatientHospitalised | PatientDischarged) -> list[Any]:
        """The circle learns at once that its patient is in hospital, and when they come home.

        One alert per stay event, never absorbed into an open one: each is news of its own, not
        a repeated threshold (so no episode is kept for them)."""
        if self._exists(Alert.create_id(event.event_id)):
            return []
        p = event.payload
        where = p.hospital_name or f"FINESS {p.finess}"
        if isinstance(event, PatientHospitalised):
            kind = "hospitalised"
            when = p.admitted_at or p.movement_at
            summary = f"admitted to {where}" + (f", {p.unit}" if p.unit else "") + f" on {_minute(when)}"
        else:
            kind = "discharged"
            summary = f"return home: discharged from {where} on {_minute(p.discharged_at or p.movement_at)}"
        return [Alert(
            source_event_id=event.event_id, patient_id=event.patient_id, kind=kind, level="alert",
            summary=summary[:500], reading_id=None,
            trace=trace(Actor(kind="hospital", id=p.finess), event.correlation_id, str(event.event_id)),
            recipients=self.policies.for_structure(None).recipients(kind, self.members(event.patient_id)),
        )]

    @handler
    def alerts_for_emergency_access(self, event: EmergencyAccessDeclared) -> list[Any]:
        """A professional outside the circle declared an emergency access: the circle is told who,
        why and until when. A `watch` alert: it informs, it is not escalated."""
        if self._exists(Alert.create_id(event.event_id)):
            return []
        p = event.payload
        summary = f"emergency access by a professional outside the circle until {_minute(p.expires_at)}: {p.reason}"
        return [Alert(
            source_event_id=event.event_id, patient_id=event.patient_id, kind="emergency_access", level="watch",
            summary=summary[:500], reading_id=None,
            trace=trace(event.actor, event.correlation_id, str(event.event_id)),
            recipients=self.policies.for_structure(None).recipients("emergency_access", self.members(event.patient_id)),
        )]

    @handler
    def alerts_retracted(self, event: AdmissionCancelled) -> list[Any]:
        """The alerts raised for what the hospital cancelled are resolved through their life
        cycle (reason `cancelled_by_hospital`, the hospital's words in the note). One already
        resolved (by a person, or a redelivery) is left as it is."""
        resolved: list[Any] = []
        stamp = trace(Actor(kind="hospital", id=event.payload.finess), event.correlation_id, str(event.event_id))
        for retracted in event.payload.retracts_event_ids:
            alert = self.find(Alert.create_id(retracted), Alert)
            if alert is None or not alert.is_open:
                continue
            alert.resolve("hospital", CANCELLED_BY_HOSPITAL, event.payload.reason, event.occurred_at, stamp)
            resolved += [alert, *self._closing(alert)]
        return resolved

    @retry_on_conflict()
    def acknowledge(self, alert_id: uuid.UUID, actor: Actor, correlation_id: str) -> Alert:
        alert = self.alert(alert_id)
        try:
            alert.acknowledge(actor.id or actor.kind, datetime.now(UTC), trace(actor, correlation_id))
        except WrongState as error:
            raise AlertInWrongState(error) from None
        self.save(alert)
        return alert

    @retry_on_conflict()
    def resolve(
        self, alert_id: uuid.UUID, actor: Actor, reason: str, note: str | None, correlation_id: str
    ) -> Alert:
        alert = self.alert(alert_id)
        try:
            alert.resolve(actor.id or actor.kind, reason, note, datetime.now(UTC), trace(actor, correlation_id))
        except WrongState as error:
            raise AlertInWrongState(error) from None
        self.save(alert, *self._closing(alert))
        return alert

    @retry_on_conflict()
    def escalate(self, alert_id: uuid.UUID, step: int, to_roles: list[str], cause: str) -> Alert | None:
        """Escalation step `step` of an unacknowledged alert, to the circle members of `to_roles`;
        None when it is no longer due (acknowledged, resolved, or that step done already)."""
        alert = self.alert(alert_id)
        members = [m for m, role in self.members(alert.patient_id) if role in to_roles]
        if not alert.escalate(step, to_roles, datetime.now(UTC), trace(PLATFORM, cause, cause), members):
            return None
        self.save(alert)
        return alert

    @retry_on_conflict()
    def notification_failed(
        self, alert_id: uuid.UUID, recipient_id: uuid.UUID, channel: str, step: int, reason: str
    ) -> None:
        alert = self.alert(alert_id)
        cause = f"notification:{alert_id}:{recipient_id}:{channel}:{step}"
        alert.notification_failed(recipient_id, channel, step, reason, trace(PLATFORM, cause))
        self.save(alert)

    def _closing(self, alert: Alert) -> list[EpisodeAlerts]:
        if alert.episode_id is None:
            return []
        episode = self.find(EpisodeAlerts.create_id(alert.episode_id), EpisodeAlerts)
        if episode is None:
            return []
        episode.closed(alert)
        return [episode]

    def _exists(self, alert_id: uuid.UUID) -> bool:
        return alert_id in self._unsaved() or bool(self.recorder.select_events(alert_id, limit=1))

    def alert(self, alert_id: uuid.UUID) -> Alert:
        return self.get_or_404(alert_id, Alert, "alert_id")


class AlertInWrongState(Conflict):
    """409: acting on an alert whose state does not allow it; names the current state."""

    def __init__(self, error: WrongState) -> None:
        super().__init__(str(error), field="alert_id")
        self.status = error.status


def _minute(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="minutes")
