"""The directory (structures, professionals) and each patient's care circle, through the
application: who is in, idempotent adds, removal, the creator who joins on registration."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from ecovid_events import Actor
from ecovid_events.care_circle import CareTeamMemberAdded, CareTeamMemberRemoved
from ecovid_events.dossier import PatientRegistered, PatientRegisteredPayload
from ecovid_platform.errors import Conflict, NotFound

from care_circle.application import CareCircleApplication
from care_circle.integration import translate

ADMIN = Actor(kind="admin", id="admin-1")
PROFILE = {"first_name": "Anne", "last_name": "Martin", "profession": "doctor"}


def professional(app: CareCircleApplication, email: str = "anne.martin@example.org") -> uuid.UUID:
    structure = app.register_structure("Maison de santé Voltaire", "practice", None, ADMIN, "c")
    return app.register_professional(email, {**PROFILE, "structure_id": str(structure)}, ADMIN, "c")


def registered(patient_id: uuid.UUID, by: str | None) -> PatientRegistered:
    return PatientRegistered(
        event_id=uuid.uuid4(), occurred_at=datetime.now(UTC), producer="dossier", patient_id=patient_id,
        correlation_id="corr-reg", actor={"kind": "professional", "id": by},
        payload=PatientRegisteredPayload(last_name="Durand", first_name="Lou", birth_date=date(1970, 1, 1),
                                         sex="female", commune="Paris", registered_by=by),
    )


def published(app: CareCircleApplication) -> list:
    return [e for n in app.recorder.select_notifications(1, 1000) for e in translate(app.mapper.to_domain_event(n))]


def test_structures_and_professionals_are_kept_as_registered(app: CareCircleApplication) -> None:
    structure = app.register_structure("CH de Bordeaux", "hospital", "330781196", ADMIN, "c")
    found = app.structure(structure)
    assert (found.name, found.kind, found.finess) == ("CH de Bordeaux", "hospital", "330781196")
    pro = app.register_professional("Lou@Example.org", {**PROFILE, "structure_id": str(structure)}, ADMIN, "c")
    assert (app.professional(pro).email, app.professional(pro).profile["profession"]) == ("Lou@Example.org", "doctor")


def test_one_address_is_one_professional(app: CareCircleApplication) -> None:
    """Break: Professional ids drawn at random instead of from the e-mail -> the second registration
    succeeds, fails."""
    professional(app, "anne.martin@example.org")
    with pytest.raises(Conflict) as refused:
        professional(app, " Anne.Martin@EXAMPLE.org ")
    assert refused.value.field == "email"


def test_a_professional_needs_a_known_structure(app: CareCircleApplication) -> None:
    with pytest.raises(NotFound) as refused:
        app.register_professional("x@example.org", {**PROFILE, "structure_id": str(uuid.uuid4())}, ADMIN, "c")
    assert refused.value.field == "structure_id"


def test_members_are_added_once_and_removed(app: CareCircleApplication) -> None:
    """Break: CareCircle.add without its membership check -> a second MemberAdded is published, fails;
    break: remove_member saves nothing -> the member stays, fails."""
    patient, pro = uuid.uuid4(), professional(app)
    stays = professional(app, "stays@example.org")
    app.add_member(patient, stays, "attending_physician", ADMIN, "corr-first")
    app.add_member(patient, pro, "nurse", ADMIN, "corr-add")
    app.add_member(patient, pro, "other", ADMIN, "corr-add-again")  # idempotent: the first role stays
    assert app.circle(patient).members == {str(stays): "attending_physician", str(pro): "nurse"}
    app.remove_member(patient, pro, ADMIN, "corr-remove")
    assert app.circle(patient).members == {str(stays): "attending_physician"}
    added, removed = published(app)[-2:]
    assert isinstance(added, CareTeamMemberAdded) and isinstance(removed, CareTeamMemberRemoved)
    assert (added.patient_id, added.payload.professional_id, added.payload.role) == (patient, pro, "nurse")
    assert (removed.payload.professional_id, removed.payload.role) == (pro, "nurse")
    assert removed.correlation_id == "corr-remove"
    assert [type(e) for e in published(app)].count(CareTeamMemberAdded) == 2  # one per member
    assert [e.event_id for e in published(app)] == [e.event_id for e in published(app)]  # stable on re-publish


def test_refusals_of_circle_changes(app: CareCircleApplication) -> None:
    patient = uuid.uuid4()
    with pytest.raises(NotFound) as unknown:
        app.add_member(patient, uuid.uuid4(), "nurse", ADMIN, "c")
    assert unknown.value.field == "professional_id"
    with pytest.raises(NotFound) as not_in:
        app.remove_member(patient, professional(app), ADMIN, "c")
    assert not_in.value.field == "professional_id"


def test_the_professional_who_registers_a_patient_joins_the_circle(app: CareCircleApplication) -> None:
    """Break: creator_joins_circle returns the circle without adding the creator -> fails."""
    patient, creator = uuid.uuid4(), uuid.uuid4()
    event = registered(patient, str(creator))
    for circle in app.creator_joins_circle(event):
        app.save(circle)
    assert app.circle(patient).members == {str(creator): "creator"}
    [added] = [e for e in published(app) if isinstance(e, CareTeamMemberAdded)]
    assert (added.causation_id, added.correlation_id) == (str(event.event_id), "corr-reg")
    for circle in app.creator_joins_circle(event):  # delivered again: nothing new
        app.save(circle)
    assert [type(e) for e in published(app)].count(CareTeamMemberAdded) == 1


def test_a_registration_delivered_again_does_not_bring_back_a_removed_creator(app: CareCircleApplication) -> None:
    """A broker restarted empty gets every event re-published: the registration comes back.

    Break: drop the `caused_by` check in creator_joins_circle -> fails (the creator is back).
    """
    patient, creator = uuid.uuid4(), uuid.uuid4()
    event = registered(patient, str(creator))
    for circle in app.creator_joins_circle(event):
        app.save(circle)
    circle = app.circle(patient)
    circle.remove(creator, {"actor": ADMIN.model_dump(), "correlation_id": "c", "causation_id": None})
    app.save(circle)
    for circle in app.creator_joins_circle(event):
        app.save(circle)
    assert app.circle(patient).members == {}


def test_a_patient_registered_by_no_professional_has_an_empty_circle(app: CareCircleApplication) -> None:
    patient = uuid.uuid4()
    for circle in app.creator_joins_circle(registered(patient, None)):
        app.save(circle)
    assert app.circle(patient).members == {}


def test_the_gateways_creator_call_after_the_registration_event_is_a_no_op(app: CareCircleApplication) -> None:
    """Both the gateway (at once) and the PatientRegistered consumer put the creator in the circle;
    when the consumer is first, the gateway's call must not be a 422 (seen as a failed
    registration in a test run). Break: `founding` only for an empty circle -> 422, fails."""
    patient, creator = uuid.uuid4(), professional(app)
    for circle in app.creator_joins_circle(registered(patient, str(creator))):
        app.save(circle)
    as_creator = Actor(kind="professional", id=str(creator))
    app.add_member(patient, creator, "creator", as_creator, "c")
    assert app.circle(patient).members == {str(creator): "creator"}
    other = professional(app, "b.durand@example.org")
    with pytest.raises(Exception, match="role must be one of"):  # nobody else becomes creator
        app.add_member(patient, other, "creator", Actor(kind="professional", id=str(other)), "c")
