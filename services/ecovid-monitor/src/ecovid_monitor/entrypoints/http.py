"""Internal HTTP API of ecovid-monitor (called by the gateway only)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from ecovid_platform.group_commit import GroupCommit
from ecovid_platform.http import ActorDep, CorrelationDep, JSONBytes
from ecovid_platform.moments import Moment

from ecovid_monitor.application import MonitorApplication, ReadingCommand
from ecovid_monitor.domain.episode import CareEpisode
from ecovid_monitor.domain.rules import ReadingValues

FollowUpStatus = Literal["suspected", "tested_positive", "tested_negative"]


class EpisodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    patient_id: uuid.UUID
    birth_date: date
    started_on: date
    status: FollowUpStatus
    structure_id: uuid.UUID
    component: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    first_symptoms_on: date | None = None
    readings_per_day: Annotated[int, Field(ge=1, le=12)] = 2
    needs_assistance: bool = False


class EpisodeChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: FollowUpStatus


class ReadingIn(ReadingValues):
    taken_at: Moment

    def given(self) -> dict[str, Any]:
        # taken_at is when, not what: it does not make a reading non-empty.
        return {k: v for k, v in super().given().items() if k != "taken_at"}


def _episode(episode: CareEpisode) -> dict[str, Any]:
    return {
        "id": str(episode.id),
        "patient_id": str(episode.patient_id),
        **{k: v for k, v in episode.details.items()},
        "status": episode.status,
        "open": episode.is_open,
        "closed_on": episode.closed_on,
        "general_state": episode.general_state,
        "hospitalised": episode.hospitalised,
    }


def _reading(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(r["id"]), "taken_at": r["taken_at"], "recorded_at": r.get("recorded_at"),
        "source": r["source"], "values": r["values"],
        "overall_level": r["colouring"]["overall_level"], "levels": r["colouring"]["levels"],
    }


def _series(readings: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Each indicator's values in time order, for a chart; an indicator not entered has no point."""
    series: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(readings, key=lambda r: r["taken_at"]):
        for indicator, value in r["values"].items():
            level = r["colouring"]["levels"].get(indicator, "unknown")
            series.setdefault(indicator, []).append({"taken_at": r["taken_at"], "value": value, "level": level})
    return series


def router(app: MonitorApplication) -> APIRouter:
    api = APIRouter(prefix="/episodes", tags=["care episodes"])

    @api.post("", status_code=201)
    def open_episode(body: EpisodeIn, actor: ActorDep, correlation_id: CorrelationDep) -> dict[str, str]:
        details = body.model_dump(exclude={"patient_id", "birth_date"})
        episode_id = app.open_episode(body.patient_id, body.birth_date, details, actor, correlation_id)
        return {"id": str(episode_id)}

    @api.get("/{episode_id}")
    def episode(episode_id: uuid.UUID) -> dict[str, Any]:
        return _episode(app.episode(episode_id))

    @api.patch("/{episode_id}")
    def change(
        episode_id: uuid.UUID, body: EpisodeChange, actor: ActorDep, correlation_id: CorrelationDep
    ) -> dict[str, Any]:
        app.change_status(episode_id, body.status, actor, correlation_id)
        return _episode(app.episode(episode_id))

    @api.post("/{episode_id}/close")
    def close(episode_id: uuid.UUID, actor: ActorDep, correlation_id: CorrelationDep) -> dict[str, Any]:
        app.close_episode(episode_id, datetime.now(UTC).date(), actor, correlation_id)
        return _episode(app.episode(episode_id))

    readings_commit = GroupCommit(app.record_readings)

    @api.post("/{episode_id}/readings", status_code=201, response_class=JSONBytes)
    async def record(
        episode_id: uuid.UUID, body: ReadingIn, actor: ActorDep, correlation_id: CorrelationDep
    ) -> JSONBytes:
        # async, with the save in a group commit: concurrent readings share one transaction.
        values = ReadingValues(**body.model_dump(exclude={"taken_at"}))
        reading_id, colouring = await readings_commit.submit(
            ReadingCommand(episode_id, body.taken_at, values, actor, correlation_id)
        )
        return JSONBytes({
            "id": str(reading_id),
            "overall_level": colouring.overall_level,
            "levels": colouring.levels,
            "rule_set": {"id": colouring.rule_set_id, "version": colouring.rule_set_version},
            "age_band": colouring.age_band,
        }, status_code=201)

    @api.get("/{episode_id}/readings")
    def readings(episode_id: uuid.UUID) -> list[dict[str, Any]]:
        return [_reading(r) for r in app.readings(episode_id)]

    @api.get("/{episode_id}/readings/series")
    def series(episode_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
        return _series(app.readings(episode_id))

    @api.post("/{episode_id}/hospitalisation")
    def hospitalised(episode_id: uuid.UUID, actor: ActorDep, correlation_id: CorrelationDep) -> dict[str, Any]:
        app.mark_hospitalised(episode_id, True, actor, correlation_id)
        return _episode(app.episode(episode_id))

    @api.post("/{episode_id}/discharge")
    def discharged(episode_id: uuid.UUID, actor: ActorDep, correlation_id: CorrelationDep) -> dict[str, Any]:
        app.mark_hospitalised(episode_id, False, actor, correlation_id)
        return _episode(app.episode(episode_id))

    return api
