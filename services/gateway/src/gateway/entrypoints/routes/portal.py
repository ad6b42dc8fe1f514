"""The patient portal: a circle member invites the patient by e-mail, the patient activates
their account with the single-use link, then reaches only their own data under /me."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from ecovid_api.access import ActivationIn, InvitationIn, InvitationSent, OpenEpisode, PortalActivated
from ecovid_api.care_circle import Member
from ecovid_api.monitoring import Reading, ReadingIn, ReadingRecorded
from ecovid_api.record_views import Dossier
from ecovid_events import Actor
from ecovid_platform.http import JSONBytes

from gateway.application import InvitationInvalid
from gateway.audit import Access
from gateway.entrypoints.answers import answers
from gateway.entrypoints.deps import CorrelationId, CurrentUser, GatewayDep
from gateway.entrypoints.routes.audit import Patient

router = APIRouter(prefix="/api/v1", tags=["patient portal"])


@router.post("/patients/{patient_id}/portal-invitations", **answers(InvitationSent, 201, refusals={
    403: "not in this patient's care circle", 409: "the patient's account is already active"}))
async def invite(
    patient_id: uuid.UUID, body: InvitationIn, request: Request, user: CurrentUser, gw: GatewayDep,
    cid: CorrelationId,
) -> Any:
    """Sends the activation link (valid 7 days, single use); a new invitation replaces the last."""
    await gw.check_patient_access(patient_id, user, "POST", request.url.path, cid)
    actor = Actor(kind="professional", id=str(user.subject_id))
    valid_for = timedelta(days=gw.portal.invitation_days)
    token = await asyncio.to_thread(gw.app.invite_patient, patient_id, str(body.email), valid_for, actor, cid)
    link = f"{gw.portal.activation_url}?token={token}"
    await asyncio.to_thread(
        gw.portal.mailer.send, str(body.email), "Votre accès au portail e-COVID",
        "Bonjour,\n\nVotre équipe de soins vous invite à suivre vos symptômes sur le portail e-COVID.\n"
        f"Activez votre compte (lien valable {gw.portal.invitation_days} jours, une seule fois) :\n{link}\n",
    )
    return {"patient_id": str(patient_id), "email": str(body.email), "status": "sent"}


@router.post("/portal/activate", **answers(PortalActivated, 201, refusals={
    410: "expired, used or unknown invitation (the same answer for each)"}))
async def activate(body: ActivationIn, gw: GatewayDep, cid: CorrelationId) -> Any:
    try:
        patient_id = await asyncio.to_thread(gw.app.activate_portal, body.token, body.password, cid)
    except InvitationInvalid as refused:
        raise HTTPException(410, refused.message) from None
    return {"patient_id": str(patient_id), "status": "active"}


@router.get("/me", **answers(Dossier, refusals={403: "not a patient account"}))
async def me(request: Request, user: Patient, gw: GatewayDep, cid: CorrelationId) -> Any:
    await gw.audit.record(Access(user.subject_id, "GET", request.url.path, 200, user, cid))
    return await gw.services.dossier.call("GET", f"/patients/{user.subject_id}", principal=user, correlation_id=cid)


async def _open_episode(user: Any, gw: Any, cid: str) -> str:
    episodes = await gw.services.monitor.call(
        "GET", f"/monitoring/patients/{user.subject_id}/open-episodes", principal=user, correlation_id=cid
    )
    if not episodes:
        raise HTTPException(409, "you have no open care episode")
    return str(OpenEpisode.model_validate(episodes[-1]).episode_id)


@router.post("/me/readings", **answers(ReadingRecorded, 201, refusals={409: "no open care episode"}))
async def add_reading(
    body: ReadingIn, request: Request, user: Patient, gw: GatewayDep, cid: CorrelationId
) -> Any:
    """A reading the patient enters (source "patient") on their open care episode."""
    episode = await _open_episode(user, gw, cid)
    await gw.audit.record(Access(user.subject_id, "POST", request.url.path, 201, user, cid))
    answer = await gw.services.monitor.forward(
        "POST", f"/episodes/{episode}/readings", content=await request.body(), principal=user, correlation_id=cid
    )
    return JSONBytes(answer.content, status_code=answer.status)


@router.get("/me/readings", **answers(list[Reading], refusals={409: "no open care episode"}))
async def my_readings(request: Request, user: Patient, gw: GatewayDep, cid: CorrelationId) -> Any:
    episode = await _open_episode(user, gw, cid)
    await gw.audit.record(Access(user.subject_id, "GET", request.url.path, 200, user, cid))
    return await gw.services.monitor.call("GET", f"/episodes/{episode}/readings", principal=user, correlation_id=cid)


@router.get("/me/care-circle", **answers(list[Member]))
async def my_care_circle(request: Request, user: Patient, gw: GatewayDep, cid: CorrelationId) -> Any:
    """The professionals of the patient's care circle and their roles."""
    await gw.audit.record(Access(user.subject_id, "GET", request.url.path, 200, user, cid))
    return await gw.services.care_circle.call(
        "GET", f"/patients/{user.subject_id}/members", principal=user, correlation_id=cid
    )
