"""Writing to the coordination record from the patient's page: a note shared with the care
circle, an objective set, an open objective marked achieved or abandoned (the page lists the open
ones, as the summary gives them)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovid_web.catalogue import translator
from ecovid_web.gateway import ApiError
from ecovid_web.web import checked_form, gateway_of, go, keep_refusal, patient_page, signed_in

router = APIRouter()
ROLE = "professional"
WRITES = {"notes": ("text", "note.shared"), "objectives": ("title", "objective.set")}
OBJECTIVE_STATUSES = ("open", "achieved", "abandoned")  # the API's ObjectiveStatus


@router.post("/patients/{patient_id}/objectives/{objective_id}")
async def change_objective(request: Request, patient_id: uuid.UUID, objective_id: uuid.UUID) -> Response:
    session = signed_in(request, ROLE)
    form = await checked_form(request)
    try:
        await gateway_of(request).call("PATCH", f"/patients/{patient_id}/objectives/{objective_id}",
                                       token=session.token, json={"status": form.get("status", "")})
    except ApiError as error:
        keep_refusal(request, error, f"objective-{objective_id}", f"refused.{error.status}")
        return go(patient_page(patient_id, form, f"objective-{objective_id}"))
    session.notice = translator(request.app.state.settings.language)("objective.status_changed")
    return go(patient_page(patient_id, form))


@router.post("/patients/{patient_id}/{section}")
async def write(request: Request, patient_id: uuid.UUID, section: str) -> Response:
    if section not in WRITES:
        return Response(status_code=404)
    session = signed_in(request, ROLE)
    form = await checked_form(request)
    field, done = WRITES[section]
    back = f"/patients/{patient_id}" + (f"?episode={form['episode']}" if form.get("episode") else "")
    try:
        await gateway_of(request).call("POST", f"/patients/{patient_id}/{section}", token=session.token,
                                       json={field: form.get(field, "")})
    except ApiError as error:
        if error.status not in {409, 422}:
            raise
        session.flash = error.detail
        return go(back)
    session.notice = translator(request.app.state.settings.language)(done)
    return go(back)
