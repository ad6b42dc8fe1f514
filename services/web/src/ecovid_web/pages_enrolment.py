"""From the patient's page: enrolling the patient in a COVID care episode (in the professional's
own structure, the one their token names) and inviting them to the patient portal."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovid_web.catalogue import translator
from ecovid_web.gateway import ApiError
from ecovid_web.web import checked_form, gateway_of, go, signed_in, token_claim

router = APIRouter()
ROLE = "professional"
STATUSES = ("suspected", "tested_positive", "tested_negative")


@router.post("/patients/{patient_id}/episode")
async def enrol(request: Request, patient_id: uuid.UUID) -> Response:
    session = signed_in(request, ROLE)
    form = await checked_form(request)
    body: dict[str, object] = {
        "started_on": form.get("started_on") or date.today().isoformat(),
        "status": form.get("status", ""),
        "structure_id": token_claim(session.token or "", "structure_id") or "",
    }
    if form.get("first_symptoms_on"):
        body["first_symptoms_on"] = form["first_symptoms_on"]
    if form.get("readings_per_day", "").isdigit():
        body["readings_per_day"] = int(form["readings_per_day"])
    try:
        created = await gateway_of(request).call("POST", f"/patients/{patient_id}/care-episodes",
                                                 token=session.token, json=body)
    except ApiError as error:
        if error.status not in {409, 422}:
            raise
        session.flash = error.detail
        return go(f"/patients/{patient_id}")
    return go(f"/patients/{patient_id}?episode={created['id']}")


@router.post("/patients/{patient_id}/invitation")
async def invite(request: Request, patient_id: uuid.UUID) -> Response:
    session = signed_in(request, ROLE)
    form = await checked_form(request)
    back = f"/patients/{patient_id}" + (f"?episode={form['episode']}" if form.get("episode") else "")
    try:
        await gateway_of(request).call("POST", f"/patients/{patient_id}/portal-invitations", token=session.token,
                                       json={"email": form.get("email", "").strip()})
    except ApiError as error:
        if error.status not in {409, 422}:
            raise
        session.flash = error.detail
        return go(back)
    session.notice = translator(request.app.state.settings.language)("invite.sent")
    return go(back)
