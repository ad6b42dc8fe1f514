"""Roles in a care circle (who may add and remove), a circle never empty, the professional's
scope kept with every change, emergency access (bris de glace) and deactivation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ecovid_events import Actor
from ecovid_events.care_circle import EmergencyAccessDeclared
from ecovid_platform.errors import Conflict, Forbidden, Unprocessable
from ecovid_platform.settings import ServiceSettings

from care_circle.application import CareCircleApplication
from care_circle.bootstrap import build
from care_circle.domain.circle import ROLES, CareCircle, sees_documents_and_notes
from care_circle.integration import translate

ADMIN = Actor(kind="admin", id="admin-1")
PROFILE = {"first_name": "Anne", "last_name": "Martin", "profession": "doctor"}


def pros(app: CareCircleApplication, n: int) -> list[uuid.UUID]:
    structure = app.register_structure("Maison de santé", "practice", None, ADMIN, "c")
    return [app.register_professional(f"p{i}-{uuid.uuid4().hex[:6]}@example.org",
                                      {**PROFILE, "structure_id": str(structure)}, ADMIN, "c") for i in range(n)]


def as_pro(pro: uuid.UUID) -> Actor:
    return Actor(kind="professional", id=str(pro))


def circle_of(app: CareCircleApplication, roles: dict[uuid.UUID, str]) -> uuid.UUID:
    patient = uuid.uuid4()
    for pro, role in roles.items():
        app.add_member(patient, pro, role, ADMIN, "c")
    return patient


def test_only_managing_roles_add_and_remove_others(app: CareCircleApplication) -> None:
    """Break: add_member without its may_manage check -> the nurse adds, fails;
    break: dismiss without its role check -> the nurse removes the physician, fails."""
    physician, nurse, newcomer, outsider = pros(app, 4)
    patient = circle_of(app, {physician: "attending_physician", nurse: "nurse"})
    with pytest.raises(Forbidden):
        app.add_member(patient, newcomer, "other", as_pro(nurse), "c")
    with pytest.raises(Forbidden):
        app.add_member(patient, outsider, "nurse", as_pro(outsider), "c")  # self-add from outside
    with pytest.raises(Forbidden):
        app.remove_member(patient, physician, as_pro(nurse), "c")
    app.add_member(patient, newcomer, "pharmacist", as_pro(physician), "c")
    app.remove_member(patient, newcomer, as_pro(physician), "c")
    app.remove_member(patient, nurse, as_pro(nurse), "c")  # a member may leave
    assert app.circle(patient).members == {str(physician): "attending_physician"}


def test_a_circle_never_becomes_empty(app: CareCircleApplication) -> None:
    """Break: dismiss without its last-member check -> the physician leaves, fails."""
    [physician] = pros(app, 1)
    patient = circle_of(app, {physician: "attending_physician"})
    for actor in (as_pro(physician), ADMIN):
        with pytest.raises(Conflict):
            app.remove_member(patient, physician, actor, "c")
    assert app.circle(patient).members == {str(physician): "attending_physician"}


def test_roles_are_those_of_the_list(app: CareCircleApplication) -> None:
    physician, other = pros(app, 2)
    patient = circle_of(app, {physician: "attending_physician"})
    for role in ("creator", "admin", "boss"):
        with pytest.raises(Unprocessable):
            app.add_member(patient, other, role, as_pro(physician), "c")


def test_the_scope_follows_the_circles_in_the_same_save(app: CareCircleApplication) -> None:
    """Break: remove_member saving the circle without the scope -> the patient stays visible, fails."""
    physician, nurse = pros(app, 2)
    first = circle_of(app, {physician: "attending_physician", nurse: "nurse"})
    second = circle_of(app, {physician: "attending_physician"})
    assert app.visible_patients(physician) == sorted([str(first), str(second)])
    assert app.visible_patients(nurse) == [str(first)]
    app.remove_member(first, nurse, as_pro(physician), "c")
    assert app.visible_patients(nurse) == []
    assert not app.allows(first, nurse)


def test_emergency_access_lasts_its_hours_and_is_published(app: CareCircleApplication) -> None:
    """Break: has_emergency_access ignoring the expiry -> the expired access still allows, fails."""
    physician, urgentist = pros(app, 2)
    patient = circle_of(app, {physician: "attending_physician"})
    assert not app.allows(patient, urgentist)
    until = app.declare_emergency_access(patient, urgentist, "détresse respiratoire, SAMU", 4, as_pro(urgentist), "c")
    assert timedelta(hours=3.9) < until - datetime.now(UTC) <= timedelta(hours=4)
    assert app.allows(patient, urgentist)
    assert app.visible_patients(urgentist) == [str(patient)]
    circle = app.circle(patient)
    assert not circle.has_emergency_access(urgentist, until + timedelta(seconds=1))
    assert str(patient) not in app.scope(urgentist).visible(until + timedelta(seconds=1))
    events = [e for n in app.recorder.select_notifications(1, 1000) for e in translate(app.mapper.to_domain_event(n))]
    [declared] = [e for e in events if isinstance(e, EmergencyAccessDeclared)]
    assert (declared.patient_id, declared.payload.professional_id) == (patient, urgentist)
    assert declared.payload.reason == "détresse respiratoire, SAMU"
    assert declared.actor == as_pro(urgentist)


def test_the_role_decides_who_sees_documents_and_notes(app: CareCircleApplication) -> None:
    """home_help and other see the record, not its documents nor its notes; every other role,
    the creator and an emergency holder do; nobody outside the circle.

    Break: `NO_DOCUMENTS_OR_NOTES` without "other" -> fails; break: role_of letting a live
    emergency access win over the member's own role -> the home help's declaration widens
    it, fails.
    """
    creator, urgentist, outsider, *members = pros(app, 3 + len(ROLES))
    patient = uuid.uuid4()
    app.add_member(patient, creator, "creator", as_pro(creator), "c")
    for pro, role in zip(members, ROLES, strict=True):
        app.add_member(patient, pro, role, as_pro(creator), "c")
    app.declare_emergency_access(patient, urgentist, "détresse respiratoire, SAMU", 4, as_pro(urgentist), "c")
    seen = {role: sees_documents_and_notes(app.role_in_circle(patient, pro))
            for pro, role in zip(members, ROLES, strict=True)}
    assert seen == {"attending_physician": True, "nurse": True, "coordinator": True, "hospital_team": True,
                    "pharmacist": True, "home_help": False, "other": False}
    assert app.role_in_circle(patient, creator) == "creator" and sees_documents_and_notes("creator")
    assert app.role_in_circle(patient, urgentist) == "emergency" and sees_documents_and_notes("emergency")
    assert app.role_in_circle(patient, outsider) is None and not sees_documents_and_notes(None)
    home_help = members[ROLES.index("home_help")]
    app.declare_emergency_access(patient, home_help, "détresse respiratoire, SAMU", 4, as_pro(home_help), "c")
    assert app.role_in_circle(patient, home_help) == "home_help"


def test_an_expired_emergency_access_has_no_role(app: CareCircleApplication) -> None:
    physician, urgentist = pros(app, 2)
    patient = circle_of(app, {physician: "attending_physician"})
    until = app.declare_emergency_access(patient, urgentist, "détresse respiratoire, SAMU", 1, as_pro(urgentist), "c")
    circle = app.circle(patient)
    assert circle.role_of(urgentist, until - timedelta(seconds=1)) == "emergency"
    assert circle.role_of(urgentist, until) is None and not circle.allows(urgentist, until)


def test_a_deactivated_professional_joins_no_circle(app: CareCircleApplication) -> None:
    physician, leaving = pros(app, 2)
    patient = circle_of(app, {physician: "attending_physician"})
    app.deactivate_professional(leaving, ADMIN, "c")
    assert not app.professional(leaving).active
    with pytest.raises(Conflict):
        app.add_member(patient, leaving, "nurse", as_pro(physician), "c")
    with pytest.raises(Conflict):
        app.declare_emergency_access(patient, leaving, "une raison assez longue", 4, as_pro(leaving), "c")


def test_old_circles_without_emergencies_still_load(app: CareCircleApplication) -> None:
    circle = CareCircle(patient_id=uuid.uuid4())
    del circle.emergencies  # as a circle formed before this attribute existed
    assert not circle.has_emergency_access(uuid.uuid4(), datetime.now(UTC))


def test_the_directory_finds_structures_and_active_professionals(tmp_path: Path) -> None:
    """Break: search_professionals without its `active` condition -> the deactivated
    professional is found, fails."""
    process = build(ServiceSettings(data_dir=tmp_path, internal_token="t"))
    client = TestClient(process.http, headers={"X-Internal-Token": "t", "X-Actor-Kind": "admin", "X-Actor-Id": "a"})
    structure = client.post("/structures", json={"name": "Maison de santé Voltaire", "kind": "practice"}).json()["id"]
    ids = {}
    for first, last, profession in (("Hélène", "Durand", "nurse"), ("Marc", "Dupont", "doctor"),
                                    ("Léa", "Martin", "doctor")):
        ids[last] = client.post("/professionals", json={
            "email": f"{last}@example.org", "first_name": first, "last_name": last, "profession": profession,
            "structure_id": structure}).json()["id"]
    client.post(f"/professionals/{ids['Martin']}/deactivate")
    project_directory(tmp_path)
    found = client.get("/directory/professionals", params={"name": "helene"}).json()
    assert [p["last_name"] for p in found] == ["Durand"]
    doctors = client.get("/directory/professionals", params={"profession": "doctor", "structure_id": structure}).json()
    assert [p["last_name"] for p in doctors] == ["Dupont"]
    assert "email" not in doctors[0]
    assert client.get("/structures").json()[0]["name"] == "Maison de santé Voltaire"
    assert client.get("/directory/professionals", params={"name": "x"}).status_code == 422


def project_directory(data_dir: Path) -> None:
    """What the local projector does, once (the test runs no background task)."""
    from ecovid_platform.projector import LocalProjector
    from ecovid_platform.storage import Storage

    from care_circle import SERVICE, directory_index

    settings = ServiceSettings(data_dir=data_dir, internal_token="t")
    storage = Storage(SERVICE, settings)
    app = CareCircleApplication(env=storage.eventsourcing_env())
    projector = LocalProjector(app=app, storage=storage, translate=translate,
                               projections=[directory_index.projection])
    projector.prepare()
    while projector.project_once():
        pass
