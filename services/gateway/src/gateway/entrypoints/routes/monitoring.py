"""The adult and child monitoring lists: the open care episodes of the patients whose care
circle includes the caller (or for whom they hold a live emergency access); a coordinator
sees their structure's enrolled patients. Every patient shown is an audited access.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from ecovid_api.monitoring import MonitoringFilters, MonitoringPage, VisiblePatients

from gateway.entrypoints.answers import answers
from gateway.entrypoints.deps import CorrelationId, GatewayDep, Professional

router = APIRouter(prefix="/api/v1/monitoring", tags=["monitoring"])


@router.get("/patients", **answers(MonitoringPage))
async def monitored_patients(
    request: Request, user: Professional, gw: GatewayDep, cid: CorrelationId,
    filters: Annotated[MonitoringFilters, Query()],
) -> Any:
    """Sorted by severity (alert, overdue, watch, normal, none), then the oldest last reading first."""
    # The filters as validated here: ecovid-monitor reads them with the same model.
    params = filters.model_dump(mode="json", exclude_none=True)
    scope = await gw.scope(user, cid)
    if scope.coordinator_of is not None:
        params["structure_id"] = str(scope.coordinator_of)
        page = await gw.services.monitor.call(
            "GET", "/monitoring/patients", params=params, principal=user, correlation_id=cid
        )
    else:
        visible = VisiblePatients(patient_ids=sorted(scope.patient_ids))
        page = await gw.services.monitor.call(
            "POST", "/monitoring/patients/visible", params=params, json=visible.model_dump(mode="json"),
            principal=user, correlation_id=cid,
        )
    await gw.audit_list(user, request.url.path, [row["patient_id"] for row in page["rows"]], cid)
    return page
