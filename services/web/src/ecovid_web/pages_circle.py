"""The patient's care circle, managed from the web: finding a colleague in the directory (by name,
profession, structure), adding them with a role, removing a member. The API decides who may
(the attending physician, a coordinator, the professional who registered the patient; anyone may
leave) and keeps the last member in: its refusals are said in French, next to the form."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovid_web.catalogue import translator
from ecovid_web.gateway import ApiError
from ecovid_web.web import (
    checked_form,
    episode_of,
    gateway_of,
    go,
    keep_refusal,
    page,
    patient_page,
    signed_in,
    token_claim,
)

router = APIRouter()
ROLE = "professional"
# The roles the API lets a member be given (MemberRole); "creator" is the platform's own.
ROLES = ("attending_physician", "nurse", "coordinator", "hospital_team", "pharmacist", "home_help", "other")
PROFESSIONS = ("doctor", "nurse", "coordinator", "other")  # the directory's professions
ROLE_OF_PROFESSION = {"doctor": "attending_physician", "nurse": "nurse", "coordinator": "coordinator"}
SEARCH = ("name", "profession", "structure_id")


def _asked(source: Any) -> dict[str, str]:
    """The directory search asked for (in a query or a form): its known fields only."""
    return {key: value for key in SEARCH if (value := str(source.get(key) or "").strip())}


def _circle_page(patient_id: uuid.UUID, source: Any, anchor: str = "") -> str:
    """This page again, on the same search and episode (a refused addition comes back to it)."""
    query = {**({"episode": episode_of(source)} if episode_of(source) else {}), **_asked(source), "find": "1"}
    return f"/patients/{patient_id}/care-circle?{urlencode(query)}" + (f"#{anchor}" if anchor else "")


async def _optional(call: Any, default: Any) -> Any:
    try:
        return await call
    except ApiError:
        return default


async def _directory(request: Request, asked: dict[str, str]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    try:
        return await gateway_of(request).call("GET", "/directory/professionals", token=request.state.session.token,
                                              params=asked), {}
    except ApiError as error:
        if error.status != 422:  # a name of one letter: said next to the field
            raise
        return [], error.by_field() or {"": error.detail}


@router.get("/patients/{patient_id}/care-circle")
async def circle(request: Request, patient_id: uuid.UUID) -> Response:
    session = signed_in(request, ROLE)
    gw, token = gateway_of(request), session.token
    asked = _asked(request.query_params)
    searching = bool(asked or request.query_params.get("find"))
    members, structures = await asyncio.gather(
        gw.call("GET", f"/patients/{patient_id}/care-circle/members", token=token),  # 403: not in her circle
        _optional(gw.call("GET", "/structures", token=token), []),
    )
    found, errors = await _directory(request, asked) if searching else (None, {})
    return page(request, "circle.html", patient_id=patient_id, members=members, structures=structures,
                structure_names={s["id"]: s["name"] for s in structures}, asked=asked, found=found,
                errors=errors, in_circle={m["professional_id"] for m in members}, roles=ROLES,
                professions=PROFESSIONS, role_of_profession=ROLE_OF_PROFESSION,
                episode=episode_of(request.query_params), back=patient_page(patient_id, request.query_params))


@router.post("/patients/{patient_id}/care-circle/members")
async def add(request: Request, patient_id: uuid.UUID) -> Response:
    session = signed_in(request, ROLE)
    form = await checked_form(request)
    professional_id = form.get("professional_id", "")
    body = {"professional_id": professional_id, "role": form.get("role", "")}
    try:
        await gateway_of(request).call("POST", f"/patients/{patient_id}/care-circle/members", token=session.token,
                                       json=body)
    except ApiError as error:
        keep_refusal(request, error, f"add-{professional_id}", f"circle.refused.{error.status}.add",
                     f"circle.refused.{error.status}", f"refused.{error.status}")
        return go(_circle_page(patient_id, form, f"add-{professional_id}"))
    session.notice = translator(request.app.state.settings.language)("circle.added")
    return go(patient_page(patient_id, form))


@router.post("/patients/{patient_id}/care-circle/members/{professional_id}/remove")
async def remove(request: Request, patient_id: uuid.UUID, professional_id: uuid.UUID) -> Response:
    session = signed_in(request, ROLE)
    form = await checked_form(request)
    try:
        await gateway_of(request).call("DELETE", f"/patients/{patient_id}/care-circle/members/{professional_id}",
                                       token=session.token)
    except ApiError as error:
        keep_refusal(request, error, f"remove-{professional_id}", f"circle.refused.{error.status}.remove",
                     f"circle.refused.{error.status}", f"refused.{error.status}")
        return go(patient_page(patient_id, form, f"remove-{professional_id}"))
    t = translator(request.app.state.settings.language)
    if str(professional_id) == token_claim(session.token or "", "sub"):
        session.notice = t("circle.left")  # out of the circle: the patient's page is closed to her now
        return go("/monitoring?population=adults")
    session.notice = t("circle.removed")
    return go(patient_page(patient_id, form))
