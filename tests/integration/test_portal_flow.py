"""The patient portal on the real broker and PostgreSQL: invitation -> mail in the sink ->
activation -> the patient signs in, enters an alarming reading on their own episode (the
alert is raised), sees their history and who opened their record, and reaches no other
patient."""

from __future__ import annotations

import uuid

from ecovid_stack.stack import Stack

from tests.integration.support import ALARMING, Api, eventually, invitation_token, now_iso
from tests.integration.support import PORTAL_PASSWORD as PASSWORD


def test_invite_activate_report_and_see_who_accessed(pg_stack: Stack, care_team: tuple[Api, str]) -> None:
    """Break (not re-run on this stack): the portal reading posted without the patient's identity (principal=None) ->
    ecovid-monitor refuses it, fails; break: /me/access-log without the patient's id -> the
    other patient's access shows, fails."""
    gateway = pg_stack.url("gateway")
    doctor, structure = care_team
    patient = doctor.patient("Portail")
    doctor.episode(patient, structure)
    other = doctor.patient("Voisin")
    address = f"patient-{uuid.uuid4().hex[:6]}@example.org"
    doctor.ok("POST", f"/patients/{patient}/portal-invitations", 201, json={"email": address})
    token = eventually(lambda: invitation_token(pg_stack.config.data_dir / "mailbox", address), timeout=10)
    Api(gateway).ok("POST", "/portal/activate", 201, json={"token": token, "password": PASSWORD})
    Api(gateway).ok("POST", "/portal/activate", 410, json={"token": token, "password": PASSWORD})

    me = Api.login(gateway, address, PASSWORD)
    assert me.ok("GET", "/me")["id"] == patient
    posted = me.ok("POST", "/me/readings", 201, json={"taken_at": now_iso(), **ALARMING})
    assert posted["overall_level"] == "alert"
    readings = me.ok("GET", "/me/readings")
    assert [r["source"] for r in readings] == ["patient"]
    eventually(lambda: doctor.alerts(patient), timeout=30)

    doctor.ok("GET", f"/patients/{patient}")
    doctor.ok("GET", f"/patients/{other}")
    me.ok("GET", f"/patients/{other}", 403)
    me.ok("GET", f"/patients/{patient}", 403)  # the patient's own data is under /me
    me.ok("GET", "/monitoring/patients", 403, params={"population": "adults"})

    def seen() -> list[dict[str, object]] | None:
        log = me.ok("GET", "/me/access-log", params={"limit": 500})["records"]
        return log if any(r["actor_kind"] == "professional" for r in log) else None

    log = eventually(seen, timeout=30, interval=0.5)
    doctor_id = doctor.ok("GET", f"/patients/{patient}/care-circle/members")[0]["professional_id"]
    assert doctor_id in {r["actor_id"] for r in log}
    assert all(other not in str(r["route"]) for r in log)  # the other patient's accesses are not theirs
