"""Internal API of the monitoring lists and of the rule-set dry run (called by the gateway only)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query

from ecovid_api.monitoring import (
    CandidateRuleSet,
    DryRunReport,
    MonitoringFilters,
    MonitoringPage,
    MonitoringQuery,
    VisiblePatients,
)
from ecovid_platform.errors import Unprocessable
from ecovid_platform.storage import Storage

from ecovid_monitor.domain.rules import RuleSetInvalid, load_rule_set
from ecovid_monitor.dry_run import dry_run
from ecovid_monitor.read_models.monitoring_list import ListQuery, list_patients
from ecovid_monitor.read_models.tables import rows


def _candidate(body: CandidateRuleSet) -> Any:
    text = body.rule_set if isinstance(body.rule_set, str) else _as_yaml(body.rule_set)
    if "\n" not in text:
        text += "\n"  # one line is text here, never a file path
    try:
        return load_rule_set(text)
    except RuleSetInvalid as error:
        raise Unprocessable(str(error), field="rule_set") from None


def _as_yaml(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1)  # JSON is YAML


def router(storage: Storage) -> APIRouter:
    api = APIRouter(tags=["monitoring"])

    @api.get("/monitoring/patients", response_model=MonitoringPage)
    def patients(filters: Annotated[MonitoringQuery, Query()]) -> dict[str, Any]:
        query = ListQuery(today=datetime.now(UTC).date(), **filters.model_dump())
        with storage.sessions() as session:
            return list_patients(session, query)

    @api.post("/monitoring/patients/visible", response_model=MonitoringPage)
    def visible_patients(body: VisiblePatients, filters: Annotated[MonitoringFilters, Query()]) -> dict[str, Any]:
        """The list restricted to the patients in the body (a professional's care circles)."""
        query = ListQuery(
            structure_id=None, patient_ids=tuple(body.patient_ids), today=datetime.now(UTC).date(),
            **filters.model_dump(),
        )
        with storage.sessions() as session:
            return list_patients(session, query)

    @api.get("/monitoring/patients/{patient_id}/open-episodes")
    def open_episodes(patient_id: uuid.UUID) -> list[dict[str, Any]]:
        """The patient's open care episodes (the portal's readings go to the one open)."""
        with storage.sessions() as session:
            found = session.execute(sa.select(rows.c.episode_id, rows.c.opened_at)
                                    .where(rows.c.patient_id == patient_id).order_by(rows.c.opened_at))
            return [{"episode_id": str(r.episode_id), "opened_at": r.opened_at.isoformat()} for r in found]

    @api.post("/rule-sets/dry-run", response_model=DryRunReport)
    def rule_set_dry_run(body: CandidateRuleSet) -> dict[str, Any]:
        candidate = _candidate(body)
        with storage.sessions() as session:
            return dry_run(session, candidate)

    return api
