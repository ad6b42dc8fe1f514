"""The adult and child monitoring lists: the caller's structure's open care episodes.

Until a care-circle read model exists in ecovid-monitor, a professional sees the
episodes of their own structure.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from ecovid_platform.moments import Moment
from ecovid_platform.paging import Limit, Offset

from gateway.entrypoints.deps import CorrelationId, GatewayDep, Professional

router = APIRouter(prefix="/api/v1/monitoring", tags=["monitoring"])


@router.get("/patients")
async def monitored_patients(
    user: Professional, gw: GatewayDep, cid: CorrelationId,
    population: Literal["adults", "children"],
    level: Literal["normal", "watch", "alert", "overdue", "none"] | None = None,
    symptom: Annotated[str, Query(max_length=40)] | None = None,
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
) -> Any:
    """Sorted by severity (alert, overdue, watch, normal, none), then the oldest last reading first."""
    if user.structure_id is None:
        return {"total": 0, "limit": limit, "offset": offset, "rows": []}
    given = {
        "population": population, "level": level, "symptom": symptom,
        "updated_before": updated_before, "updated_after": updated_after,
        "age_min": age_min, "age_max": age_max, "commune": commune,
        "first_symptoms_from": first_symptoms_from, "first_symptoms_to": first_symptoms_to,
        "name": name, "limit": limit, "offset": offset,
    }
    params = {k: _text(v) for k, v in given.items() if v is not None}
    params["structure_id"] = str(user.structure_id)
    return await gw.services.monitor.call(
        "GET", "/monitoring/patients", params=params, principal=user, correlation_id=cid
    )


def _text(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
