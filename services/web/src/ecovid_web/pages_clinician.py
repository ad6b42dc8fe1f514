"""The professional's screens: the adult and child monitoring lists (live), a patient's page, the
reading entered for a patient, and the alert inbox (live) with acknowledge and resolve."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovid_web import charts, readings
from ecovid_web.gateway import ApiError
from ecovid_web.pages_documents import KINDS
from ecovid_web.pages_enrolment import STATUSES
from ecovid_web.pages_record import OBJECTIVE_STATUSES
from ecovid_web.web import checked_form, gateway_of, go, page, signed_in

router = APIRouter()
ROLE = "professional"
FILTERS = ("level", "symptom", "name", "commune", "age_min", "age_max", "updated_after", "updated_before",
           "first_symptoms_from", "first_symptoms_to", "offset")
LEVELS = ("alert", "overdue", "watch", "normal", "none")
SYMPTOMS = ("temperature", "heart_rate", "respiratory_rate", "spo2", "dyspnea", "chills", "malaise", "cough",
            "anosmia", "digestive_troubles")
LIST_INDICATORS = ("temperature", "heart_rate", "respiratory_rate", "spo2", "dyspnea")
REASONS = ("taken_care_of", "false_alarm", "hospitalised", "cancelled_by_hospital", "other")
PAGE = 50


def _filters(request: Request) -> tuple[str, dict[str, str]]:
    population = "children" if request.query_params.get("population") == "children" else "adults"
    chosen = {k: v for k in FILTERS if (v := request.query_params.get(k, "").strip())}
    return population, chosen


def _api_params(population: str, chosen: dict[str, str]) -> dict[str, str]:
    params = {"population": population, "limit": str(PAGE), **chosen}
    for moment in ("updated_after", "updated_before"):  # a date field: the API wants a moment
        if moment in params and "T" not in params[moment]:
            params[moment] = f"{params[moment]}T00:00:00+00:00"
    return params


async def _monitoring(request: Request) -> dict[str, Any]:
    session = signed_in(request, ROLE)
    population, chosen = _filters(request)
    errors: dict[str, str] = {}
    try:
        listing = await gateway_of(request).call(
            "GET", "/monitoring/patients", token=session.token, params=_api_params(population, chosen))
    except ApiError as error:
        if error.status != 422:
            raise
        errors = error.by_field() or {"": error.detail}
        listing = {"total": 0, "rows": [], "offset": 0, "limit": PAGE}
    query = urlencode({"population": population, **chosen})
    offset = int(chosen.get("offset", "0") or 0)
    return {"population": population, "chosen": chosen, "listing": listing, "errors": errors, "query": query,
            "levels": LEVELS, "symptoms": SYMPTOMS, "indicators": LIST_INDICATORS,
            "previous": urlencode({"population": population, **chosen, "offset": max(0, offset - PAGE)}),
            "following": urlencode({"population": population, **chosen, "offset": offset + PAGE}),
            "has_next": offset + PAGE < int(listing.get("total", 0)), "has_previous": offset > 0}


@router.get("/monitoring")
async def monitoring(request: Request) -> Response:
    return page(request, "monitoring.html", **await _monitoring(request))


@router.get("/monitoring/rows")
async def monitoring_rows(request: Request) -> Response:
    """The list's rows alone, asked by htmx every few seconds: a new red reading shows unreloaded."""
    return page(request, "_monitoring_rows.html", **await _monitoring(request))


async def _optional(call: Any, default: Any) -> Any:
    """A part of the patient's page that fails (a read model not there yet) leaves the rest shown."""
    try:
        return await call
    except ApiError:
        return default


@router.get("/patients/{patient_id}")
async def patient(request: Request, patient_id: uuid.UUID, episode: uuid.UUID | None = None,
                  recorded: str | None = None) -> Response:
    session = signed_in(request, ROLE)
    gw, token, base = gateway_of(request), session.token, f"/patients/{patient_id}"
    summary = await gw.call("GET", f"{base}/summary", token=token)  # refusals (403, 404) stop here
    episode_id = str(episode) if episode else (summary.get("care_episode") or {}).get("episode_id")
    episode_path = f"/care-episodes/{episode_id}"
    details, readings_, members, documents, alerts, timeline = await asyncio.gather(
        _optional(gw.call("GET", episode_path, token=token), None) if episode_id else _none(),
        _optional(gw.call("GET", f"{episode_path}/readings", token=token), []) if episode_id else _none([]),
        _optional(gw.call("GET", f"{base}/care-circle/members", token=token), []),
        _optional(gw.call("GET", f"{base}/documents", token=token), []),
        _optional(gw.call("GET", "/alerts", token=token, params={"patient_id": str(patient_id), "limit": 20}), []),
        _optional(gw.call("GET", f"{base}/timeline", token=token, params={"limit": 30}), {"items": []}),
    )
    answer = session.forms.get(recorded) if recorded else None
    return page(request, "patient.html", patient_id=patient_id, summary=summary, episode=details,
                episode_id=episode_id, readings=sorted(readings_, key=lambda r: r["taken_at"], reverse=True),
                charts=charts.charts(readings_), members=members, documents=documents, alerts=alerts,
                answer=answer, timeline=timeline.get("items", []), kinds=KINDS, statuses=STATUSES,
                objective_statuses=OBJECTIVE_STATUSES, today=date.today().isoformat())


async def _none(value: Any = None) -> Any:
    return value


@router.get("/patients/{patient_id}/episodes/{episode_id}/reading")
async def reading_form(request: Request, patient_id: uuid.UUID, episode_id: uuid.UUID) -> Response:
    session = signed_in(request, ROLE)
    return page(request, "reading_form.html", action=request.url.path, form_token=session.new_form(),
                values={"taken_at": readings.now_local()}, errors={}, message=None, professional=True,
                back=f"/patients/{patient_id}?episode={episode_id}")


@router.post("/patients/{patient_id}/episodes/{episode_id}/reading")
async def enter_reading(request: Request, patient_id: uuid.UUID, episode_id: uuid.UUID) -> Response:
    session = signed_in(request, ROLE)
    form = await checked_form(request)
    form_token = form.get("form_token", "")
    back = f"/patients/{patient_id}?episode={episode_id}"
    try:
        await readings.post_once(gateway_of(request), session, form_token,
                                 f"/care-episodes/{episode_id}/readings", form)
    except readings.FormExpired:
        return page(request, "reading_form.html", status=409, action=request.url.path,
                    form_token=session.new_form(), values=form, errors={}, message="form.expired",
                    professional=True, back=back)
    except ApiError as error:
        if error.status not in {409, 422}:
            raise
        return page(request, "reading_form.html", status=error.status, action=request.url.path,
                    form_token=form_token, values=form, errors=error.by_field(), message=error.detail,
                    professional=True, back=back)
    return go(f"{back}&recorded={form_token}")


async def _alerts(request: Request) -> dict[str, Any]:
    session = signed_in(request, ROLE)
    show_all = request.query_params.get("show") == "all"
    gw = gateway_of(request)
    found = await gw.call("GET", "/alerts", token=session.token, params={"limit": 100})
    for alert in found:
        _with_own_action(session.acted, alert)
    shown = [a for a in found if show_all or a.get("status") != "resolved"]
    names = await _names(request, {a["patient_id"] for a in shown})
    return {"alerts": shown, "names": names, "show_all": show_all, "reasons": REASONS}


# How far along its life an alert is: the list may lag behind an action the user just took.
PROGRESS = {"raised": 0, "escalated": 0, "acknowledged": 1, "resolved": 2}


def _with_own_action(acted: dict[str, str], alert: dict[str, Any]) -> None:
    """The state the API answered to this user's own action, until the list has caught up with it."""
    own = acted.get(alert["id"])
    if own is None:
        return
    if PROGRESS.get(alert.get("status", ""), 0) >= PROGRESS.get(own, 0):
        del acted[alert["id"]]
    else:
        alert["status"] = own


async def _names(request: Request, patient_ids: set[str]) -> dict[str, str]:
    """Patients' names for the inbox, from the monitoring lists the caller sees (the alert list
    carries ids only); kept in the session, so that a poll asks the lists only for a new patient."""
    session = signed_in(request, ROLE)
    if patient_ids - session.names.keys():
        gw = gateway_of(request)
        for population in ("adults", "children"):
            listing = await _optional(gw.call("GET", "/monitoring/patients", token=session.token,
                                              params={"population": population, "limit": 500}), {"rows": []})
            for row in listing.get("rows", []):
                if row.get("last_name"):
                    session.names[row["patient_id"]] = f"{row['last_name']} {row.get('first_name') or ''}".strip()
    return {patient_id: session.names.get(patient_id, "") for patient_id in patient_ids}


@router.get("/alerts")
async def alert_inbox(request: Request) -> Response:
    return page(request, "alerts.html", **await _alerts(request))


@router.get("/alerts/rows")
async def alert_rows(request: Request) -> Response:
    return page(request, "_alert_rows.html", **await _alerts(request))


@router.post("/alerts/{alert_id}/acknowledge")
async def acknowledge(request: Request, alert_id: uuid.UUID) -> Response:
    session = signed_in(request, ROLE)
    await checked_form(request)
    await _act(request, alert_id, "acknowledge", token=session.token)
    return go("/alerts")


@router.post("/alerts/{alert_id}/resolve")
async def resolve(request: Request, alert_id: uuid.UUID) -> Response:
    session = signed_in(request, ROLE)
    form = await checked_form(request)
    body = {"reason": form.get("reason", "")}
    if form.get("note", "").strip():
        body["note"] = form["note"].strip()
    await _act(request, alert_id, "resolve", token=session.token, json=body)
    return go("/alerts")


async def _act(request: Request, alert_id: uuid.UUID, action: str, **kwargs: Any) -> None:
    """A refused action (409: already resolved by a colleague) is shown on the inbox, not as a crash;
    a done one is shown at once, whatever the list's lag."""
    session = request.state.session
    try:
        state = await gateway_of(request).call("POST", f"/alerts/{alert_id}/{action}", **kwargs)
    except ApiError as error:
        if error.status not in {409, 422}:
            raise
        session.flash = error.detail
        return
    if isinstance(state, dict) and state.get("status"):
        session.acted[str(alert_id)] = state["status"]
