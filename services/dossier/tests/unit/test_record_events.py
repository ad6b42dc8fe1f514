"""The record's stored events: what goes on the bus, and duplicates that race each other."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from eventsourcing.persistence import IntegrityError

from ecovid_api.identity import IdentityIn, IdentityUpdate
from ecovid_api.record import NoteIn, ObjectiveIn, RiskFactorsIn
from ecovid_events import Actor, parse_event

from dossier.application import DossierApplication
from dossier.domain.identity_key import IdentityKey, key_ids
from dossier.integration import translate

DOCTOR = Actor(kind="professional", id="pro-1")
IDENTITY = IdentityIn(last_name="Lefèvre", first_name="Anaïs", birth_date=date(1961, 5, 4),
                      sex="female", commune="Lyon", phone="06 12 34 56 78")


def published(app: DossierApplication) -> list:
    stored = app.notification_log.select(start=1, limit=10)
    domain = [app.mapper.to_domain_event(n) for n in stored]
    return [event for d in domain for event in translate(d)]


def test_each_change_is_one_integration_event_and_keys_stay_private() -> None:
    app = DossierApplication()
    patient = app.register_patient(IDENTITY, DOCTOR, "c-1")
    app.update_section(
        patient, "risk-factors", RiskFactorsIn(factors=["obesity"]).model_dump(mode="json"), DOCTOR, "c-2"
    )
    app.share_note(patient, NoteIn(text="RAS"), DOCTOR, "c-3")
    app.set_objective(patient, None, ObjectiveIn(title="Marcher 10 min"), DOCTOR, "c-4")
    events = published(app)
    assert [e.event_type for e in events] == ["PatientRegistered", "RiskFactorsUpdated", "NoteShared", "ObjectiveSet"]
    assert all(e.patient_id == patient and e.actor == DOCTOR for e in events)
    assert "phone" not in events[0].payload.model_dump()  # contact details stay in the dossier
    assert [parse_event(e.to_bytes()) for e in events] == events  # every type is registered


def test_a_racing_duplicate_fails_on_the_identity_key() -> None:
    app = DossierApplication()
    # Both registrations looked before either saved: only the store can tell them apart.
    racing = [app._claims(uuid.uuid4(), IDENTITY.model_dump(), False) for _ in range(2)]
    app.save(*racing[0])
    with pytest.raises(IntegrityError):
        app.save(*racing[1])


def test_a_corrected_identity_releases_its_key() -> None:
    app = DossierApplication()
    first = app.register_patient(IDENTITY, DOCTOR, "c-1")
    app.update_identity(first, IdentityUpdate(last_name="Martin"), DOCTOR, "c-2")
    second = app.register_patient(IDENTITY, DOCTOR, "c-3")
    names_key = app.repository.get(key_ids(IDENTITY.model_dump())["names"])
    assert isinstance(names_key, IdentityKey) and names_key.holder == second != first
