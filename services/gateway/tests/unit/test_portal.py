"""The patient portal through the gateway as built: invitation by a circle member (mail in
the development sink), activation with the single-use token, the patient's sign-in and
their own data only."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message

from conftest import World

from gateway.domain.portal import PortalInvitation

PASSWORD = "the patient's own password"


def mails_to(world: World, address: str) -> list[Message]:
    mailbox = world.gateway.portal.mailer.mailbox
    found = [message_from_bytes(p.read_bytes()) for p in sorted(mailbox.glob("*.eml"))] if mailbox.exists() else []
    return [m for m in found if m["To"] == address]


def token_in(message: Message) -> str:
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    return re.search(r"token=(\S+)", body).group(1)  # type: ignore[union-attr]


def invite(world: World, headers: dict[str, str], email: str) -> int:
    return world.client.post(f"/api/v1/patients/{world.patient}/portal-invitations", headers=headers,
                             json={"email": email}).status_code


def test_invite_activate_sign_in_and_only_one_s_own_data(world: World) -> None:
    """Break: PortalInvitation.accepts ignoring the hash -> a forged token activates, fails;
    break: activate not marking the invitation used -> the second activation succeeds, fails."""
    member, outsider = world.caller(member=True), world.caller()
    email = f"patient-{uuid.uuid4().hex[:6]}@example.org"
    assert invite(world, outsider.headers, email) == 403
    assert invite(world, member.headers, email) == 201
    first = token_in(mails_to(world, email)[-1])
    assert invite(world, member.headers, email) == 201  # a new one replaces the first
    token = token_in(mails_to(world, email)[-1])
    stored = world.gateway.app.find(PortalInvitation.create_id(uuid.UUID(world.patient)), PortalInvitation)
    assert token.split(".")[1] not in str(vars(stored))  # only the hash is kept

    forged = f"{world.patient}.{'A' * 43}"
    for bad in (first, forged, "not-a-token-at-all", f"{uuid.uuid4()}.{'B' * 43}"):
        answer = world.client.post("/api/v1/portal/activate", json={"token": bad, "password": PASSWORD})
        assert answer.status_code == 410, answer.text
        assert answer.json()["detail"] == "this invitation is not valid (expired, used or unknown)"
    assert world.client.post("/api/v1/portal/activate", json={"token": token, "password": PASSWORD}).status_code == 201
    assert world.client.post("/api/v1/portal/activate", json={"token": token, "password": PASSWORD}).status_code == 410

    signed_in = world.client.post("/api/v1/auth/token", json={"username": email, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    assert world.client.get("/api/v1/me", headers=headers).json()["id"] == world.patient
    episode = str(uuid.uuid4())
    world.platform.episodes[episode] = world.patient
    posted = world.client.post("/api/v1/me/readings", headers=headers, json={"taken_at": "2026-12-01T08:00:00Z",
                                                                             "temperature": 38.2})
    assert posted.status_code == 201
    sent = world.platform.calls_to("monitor")[-1]
    assert sent.path == f"/episodes/{episode}/readings" and sent.headers["x-actor-kind"] == "patient"
    assert world.client.get("/api/v1/me/readings", headers=headers).status_code == 200
    assert world.client.get("/api/v1/me/care-circle", headers=headers).status_code == 200
    assert world.platform.calls_to("care-circle")[-1].path == f"/patients/{world.patient}/members"
    # Another patient's record, or a professional route: 403, and the refusal is audited.
    other = str(uuid.uuid4())
    assert world.client.get(f"/api/v1/patients/{other}", headers=headers).status_code == 403
    assert world.client.get(f"/api/v1/patients/{world.patient}", headers=headers).status_code == 403
    refused = [a for a in world.accesses() if not a.granted]
    assert {str(a.patient_id) for a in refused} >= {other}
    assert world.client.get("/api/v1/monitoring/patients?population=adults", headers=headers).status_code == 403
    assert world.client.get("/api/v1/me", headers=member.headers).status_code == 403


def test_an_expired_invitation_is_refused_as_any_other(world: World) -> None:
    member = world.caller(member=True)
    email = f"late-{uuid.uuid4().hex[:6]}@example.org"
    assert invite(world, member.headers, email) == 201
    token = token_in(mails_to(world, email)[-1])
    digest = hashlib.sha256(token.split(".")[1].encode()).hexdigest()
    invitation = world.gateway.app.find(PortalInvitation.create_id(uuid.UUID(world.patient)), PortalInvitation)
    assert invitation is not None
    assert invitation.accepts(digest, datetime.now(UTC))
    assert not invitation.accepts(digest, datetime.now(UTC) + timedelta(days=7, seconds=1))
