"""Translation of stored care-episode events into integration events (the outbox)."""

from __future__ import annotations

import uuid
from collections.abc import Container, Iterable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from ecovid_events import IntegrationEvent
from ecovid_events.ecovid import (
    Breach,
    CareEpisodeClosed,
    CareEpisodeClosedPayload,
    CareEpisodeOpened,
    CareEpisodeOpenedPayload,
    CareStatusChanged,
    CareStatusChangedPayload,
    ReadingOverdue,
    ReadingOverduePayload,
    ReadingRecorded,
    ReadingRecordedPayload,
    RuleSetRef,
    ThresholdBreached,
    ThresholdBreachedPayload,
)
from ecovid_platform.integration import EVERY, envelope
from ecovid_platform.light import Light, LightTopic, LightTopics, day, known_uuid_of, moment, plain, uuid_of

from ecovid_monitor import SERVICE
from ecovid_monitor.domain.episode import CareEpisode


def translate(event: Any, wanted: Container[str] = EVERY) -> Iterable[IntegrationEvent]:
    if isinstance(event, CareEpisode.Opened):
        head = envelope(event, SERVICE, event.patient_id)
        yield CareEpisodeOpened(**head, payload=CareEpisodeOpenedPayload(
            episode_id=event.originator_id, **event.details
        ))
    elif isinstance(event, CareEpisode.ReadingRecorded):
        yield from _reading(event, wanted)
    elif isinstance(event, STATUS_EVENTS) and getattr(event, "patient_id", None):
        yield CareStatusChanged(**envelope(event, SERVICE, event.patient_id), payload=CareStatusChangedPayload(
            episode_id=event.originator_id, status=event.status, hospitalised=_hospitalised(event),
        ))
    elif isinstance(event, CareEpisode.Closed) and getattr(event, "patient_id", None):
        yield CareEpisodeClosed(**envelope(event, SERVICE, event.patient_id), payload=CareEpisodeClosedPayload(
            episode_id=event.originator_id, closed_on=event.closed_on,
        ))
    elif isinstance(event, CareEpisode.ReadingOverdue):
        yield ReadingOverdue(**envelope(event, SERVICE, event.patient_id), payload=ReadingOverduePayload(
            episode_id=event.originator_id, gap_started_at=event.gap_started_at,
            due_at=event.due_at, interval_seconds=event.interval_seconds,
        ))


# A follow-up status change, a hospitalisation and a discharge all change the care status.
STATUS_EVENTS = (CareEpisode.StatusChanged, CareEpisode.Hospitalised, CareEpisode.Discharged)


def _hospitalised(event: Any) -> bool:
    if isinstance(event, CareEpisode.StatusChanged):
        return bool(getattr(event, "hospitalised", False))
    return isinstance(event, CareEpisode.Hospitalised)


def _reading(event: Any, wanted: Container[str]) -> Iterable[IntegrationEvent]:
    # Two events from one reading; the lists and the deadlines apply only the first, and the
    # breach (its validated list of breaches) costs three times as much to build: built when asked.
    head = envelope(event, SERVICE, event.patient_id)
    colouring = event.colouring
    rule_set = RuleSetRef(id=colouring["rule_set_id"], version=colouring["rule_set_version"])
    if "ReadingRecorded" in wanted:
        yield ReadingRecorded(**head, payload=ReadingRecordedPayload(
            reading_id=event.reading_id, episode_id=event.originator_id, taken_at=event.taken_at,
            recorded_at=getattr(event, "recorded_at", None) or event.timestamp, source=event.source,
            values=_plain(event.values),
            levels=colouring["levels"], overall_level=colouring["overall_level"],
            rule_set=rule_set, age_band=colouring["age_band"],
        ))
    if event.breached and "ThresholdBreached" in wanted:
        breach_head = {**head, "event_id": _breach_id(head["event_id"])}
        yield ThresholdBreached(**breach_head, payload=ThresholdBreachedPayload(
            reading_id=event.reading_id, episode_id=event.originator_id,
            taken_at=event.taken_at, overall_level=colouring["overall_level"],
            previous_state=event.previous_state,
            breaches=[Breach(**_plain(b)) for b in colouring["breaches"]],
            news2_partial_score=colouring["news2_partial_score"],
            rule_set=rule_set, age_band=colouring["age_band"],
        ))


def _breach_id(reading_event_id: uuid.UUID) -> uuid.UUID:
    # Still deterministic: derived from the reading event's own deterministic id.
    return uuid.uuid5(reading_event_id, "ThresholdBreached")


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {
        key: float(value) if isinstance(value, Decimal) else value
        for key, value in values.items()
        if key != "crossed"
    }


# -- the light way (ecovid_platform.light): what `translate` gives, for a rebuild --------------

def _opened(episode_id: uuid.UUID, version: int, state: dict[str, Any]) -> Light:
    details = state["details"]
    first_symptoms = details.get("first_symptoms_on")
    patient_id = known_uuid_of(state["patient_id"])
    return Light("CareEpisodeOpened", episode_id, version, moment(state["timestamp"]), patient_id,
                 SimpleNamespace(
                     episode_id=episode_id, started_on=day(details["started_on"]), status=details["status"],
                     structure_id=known_uuid_of(details["structure_id"]), component=details.get("component"),
                     first_symptoms_on=None if first_symptoms is None else day(first_symptoms),
                     readings_per_day=details["readings_per_day"], needs_assistance=details["needs_assistance"],
                 ))


def _reading_recorded(episode_id: uuid.UUID, version: int, state: dict[str, Any]) -> Light:
    colouring = state["colouring"]
    timestamp = moment(state["timestamp"])
    recorded_at = state.get("recorded_at")  # absent from events stored before it existed
    return Light("ReadingRecorded", episode_id, version, timestamp, known_uuid_of(state["patient_id"]), SimpleNamespace(
        reading_id=uuid_of(state["reading_id"]), episode_id=episode_id, taken_at=moment(state["taken_at"]),
        recorded_at=timestamp if recorded_at is None else moment(recorded_at), source=state["source"],
        values={key: plain(value) for key, value in state["values"].items() if key != "crossed"},
        levels=dict(colouring["levels"]), overall_level=colouring["overall_level"],
        rule_set=SimpleNamespace(id=colouring["rule_set_id"], version=colouring["rule_set_version"]),
        age_band=colouring["age_band"],
    ))


# What a rebuild decodes without the mapper (the bulk of the log: openings and readings; a
# reading's breach, wanted by no read model of this service, has no light decoder). Status
# changes, closings and overdue reports, rare, go the long way.
LIGHT: LightTopics = {
    "ecovid:CareEpisode.Opened.v1": LightTopic(frozenset({"CareEpisodeOpened"}), {"CareEpisodeOpened": _opened}),
    "ecovid:CareEpisode.ReadingRecorded.v1": LightTopic(
        frozenset({"ReadingRecorded", "ThresholdBreached"}), {"ReadingRecorded": _reading_recorded}),
    "ecovid:PatientEpisodes.Started.v1": LightTopic(frozenset()),
    "ecovid:PatientEpisodes.EpisodeOpened.v1": LightTopic(frozenset()),
    "ecovid:PatientEpisodes.EpisodeClosed.v1": LightTopic(frozenset()),
}
