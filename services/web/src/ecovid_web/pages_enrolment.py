"""From the patient's page: enrolling the patient in a COVID care episode (in the professional's
own structure, the one their token names), changing its status, closing it, and inviting the
patient to the patient portal."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovid_web.catalogue import translator
from ecovid_web.gateway import ApiError
from ecovid_web.web import checked_form, gateway_of, go, keep_refusal, patient_page, signed_in, token_claim

router = APIRouter()
ROLE = "professional"
# The API's follow-up statuses (FollowUpStatus): any one to any other while the episode is open;
# a closed episode changes no more (409).
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


@router.post("/patients/{patient_id}/episodes/{episode_id}/status")
async def change_status(request: Request, patient_id: uuid.UUID, episode_id: uuid.UUID) -> Response:
    session = signed_in(request, ROLE)
    form = await checked_form(request)
    back = {"episode": str(episode_id)}
    try:
        await gateway_of(request).call("PATCH", f"/care-episodes/{episode_id}", token=session.token,
                                       json={"status": form.get("status", "")})
    except ApiError as error:
        keep_refusal(request, error, "episode-status", f"episode.refused.{error.status}", f"refused.{error.status}")
        return go(patient_page(patient_id, back, "episode-status"))
    session.notice = translator(request.app.state.settings.language)("episode.status_changed")
    return go(patient_page(patient_id, back))


@router.post("/patients/{patient_id}/episodes/{episode_id}/close")
async def close(request: Request, patient_id: uuid.UUID, episode_id: uuid.UUID) -> Response:
    """Closing ends the follow-up for good: the form asks for a ticked confirmation first."""
    session = signed_in(request, ROLE)
    form = await checked_form(request)
    back = {"episode": str(episode_id)}
    t = translator(request.app.state.settings.language)
    if form.get("confirm") != "yes":
        session.form_errors["episode-close"] = t("episode.close_unconfirmed")
        return go(patient_page(patient_id, back, "episode-close"))
    try:
        await gateway_of(request).call("POST", f"/care-episodes/{episode_id}/close", token=session.token)
    except ApiError as error:
        keep_refusal(request, error, "episode-close", f"episode.refused.{error.status}", f"refused.{error.status}")
        return go(patient_page(patient_id, back, "episode-close"))
    session.notice = t("episode.closed")
    return go(patient_page(patient_id, back))
