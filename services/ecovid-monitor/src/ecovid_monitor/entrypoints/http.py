"""Internal HTTP API of ecovid-monitor (called by the gateway only)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from ecovid_api.common import Created
from ecovid_api.monitoring import (
    Episode,
    EpisodeChange,
    EpisodeCommand,
    Reading,
    ReadingIn,
    ReadingRecorded,
    SeriesPoint,
)
from ecovid_platform.group_commit import GroupCommit
from ecovid_platform.http import ActorDep, CorrelationDep, JSONBytes

from ecovid_monitor.application import MonitorApplication, ReadingCommand
from ecovid_monitor.domain.episode import CareEpisode
from ecovid_monitor.domain.rules import ReadingValues


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

    @api.post("", status_code=201, response_model=Created)
    def open_episode(body: EpisodeCommand, actor: ActorDep, correlation_id: CorrelationDep) -> dict[str, str]:
        details = body.model_dump(exclude={"patient_id", "birth_date"})
        episode_id = app.open_episode(body.patient_id, body.birth_date, details, actor, correlation_id)
        return {"id": str(episode_id)}

    @api.get("/{episode_id}", response_model=Episode)
    def episode(episode_id: uuid.UUID) -> dict[str, Any]:
        return _episode(app.episode(episode_id))

    @api.patch("/{episode_id}", response_model=Episode)
    def change(
        episode_id: uuid.UUID, body: EpisodeChange, actor: ActorDep, correlation_id: CorrelationDep
    ) -> dict[str, Any]:
        app.change_status(episode_id, body.status, actor, correlation_id)
        return _episode(app.episode(episode_id))

    @api.post("/{episode_id}/close", response_model=Episode)
    def close(episode_id: uuid.UUID, actor: ActorDep, correlation_id: CorrelationDep) -> dict[str, Any]:
        app.close_episode(episode_id, datetime.now(UTC).date(), actor, correlation_id)
        return _episode(app.episode(episode_id))

    readings_commit = GroupCommit(app.record_readings)

    # Answered as bytes (the hot path), documented by its model.
    @api.post("/{episode_id}/readings", status_code=201, response_class=JSONBytes, response_model=ReadingRecorded)
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

    @api.get("/{episode_id}/readings", response_model=list[Reading])
    def readings(episode_id: uuid.UUID) -> list[dict[str, Any]]:
        return [_reading(r) for r in app.readings(episode_id)]

    @api.get("/{episode_id}/readings/series", response_model=dict[str, list[SeriesPoint]])
    def series(episode_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
        return _series(app.readings(episode_id))

    @api.post("/{episode_id}/hospitalisation", response_model=Episode)
    def hospitalised(episode_id: uuid.UUID, actor: ActorDep, correlation_id: CorrelationDep) -> dict[str, Any]:
        app.mark_hospitalised(episode_id, True, actor, correlation_id)
        return _episode(app.episode(episode_id))

    @api.post("/{episode_id}/discharge", response_model=Episode)
    def discharged(episode_id: uuid.UUID, actor: ActorDep, correlation_id: CorrelationDep) -> dict[str, Any]:
        app.mark_hospitalised(episode_id, False, actor, correlation_id)
        return _episode(app.episode(episode_id))

    return api
