"""Internal API of the monitoring lists and of the rule-set dry run (called by the gateway only)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from ecovid_platform.errors import Unprocessable
from ecovid_platform.moments import Moment
from ecovid_platform.paging import Limit, Offset
from ecovid_platform.storage import Storage

from ecovid_monitor.domain.rules import INDICATORS, RuleSetInvalid, load_rule_set
from ecovid_monitor.dry_run import dry_run
from ecovid_monitor.read_models.monitoring_list import ListQuery, list_patients

StateFilter = Literal["normal", "watch", "alert", "overdue", "none"]


class CandidateRuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule_set: str | dict[str, Any]  # YAML (or JSON) text, or the document itself


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

    @api.get("/monitoring/patients")
    def patients(
        structure_id: uuid.UUID,
        population: Literal["adults", "children"],
        level: StateFilter | None = None,
        symptom: Literal[INDICATORS] | None = None,  # type: ignore[valid-type]
        updated_before: Moment | None = None,
        updated_after: Moment | None = None,
        age_min: Annotated[int, Query(ge=0, le=150)] | None = None,
        age_max: Annotated[int, Query(ge=0, le=150)] | None = None,
        commune: Annotated[str, Query(min_length=1, max_length=200)] | None = None,
        first_symptoms_from: date | None = None,
        first_symptoms_to: date | None = None,
        name: Annotated[str, Query(min_length=1, max_length=200)] | None = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        query = ListQuery(
            structure_id=structure_id, population=population, today=datetime.now(UTC).date(),
            level=level, symptom=symptom, updated_before=updated_before, updated_after=updated_after,
            age_min=age_min, age_max=age_max, commune=commune, first_symptoms_from=first_symptoms_from,
            first_symptoms_to=first_symptoms_to, name=name, limit=limit, offset=offset,
        )
        with storage.sessions() as session:
            return list_patients(session, query)

    @api.post("/rule-sets/dry-run")
    def rule_set_dry_run(body: CandidateRuleSet) -> dict[str, Any]:
        candidate = _candidate(body)
        with storage.sessions() as session:
            return dry_run(session, candidate)

    return api
