"""The reconciliation list (a local projection) and the internal API that serves and clears it."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from samples import json_message, raw

from ecovid_platform.projector import LocalProjector
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage
from ecovid_platform.wiring import Wiring

from admissions import SERVICE, stays
from admissions.application import AdmissionsApplication
from admissions.entrypoints import http
from admissions.messages import from_json

TOKEN = "admissions-unit-test-token"


def test_an_unmatched_stay_is_listed_with_its_reason_until_matched_by_hand(
    app: AdmissionsApplication, storage: Storage, settings: ServiceSettings,
) -> None:
    """Break: the Matched handler of the projection does nothing -> the stay stays listed, fails."""
    projector = LocalProjector(app=app, storage=storage, translate=stays.local_events,
                               projections=[stays.projection()])
    projector.prepare()
    app.save(*app.record_movement(from_json(raw(json_message(patient={
        "last_name": "Personne", "first_name": "Jean", "birth_date": "1944-02-01"})))))
    projector.project_once()
    client = TestClient(Wiring(SERVICE, settings, storage, app, broker=None).http(  # type: ignore[arg-type]
        [http.router(app, storage)]))
    client.headers.update({"X-Internal-Token": TOKEN, "X-Actor-Kind": "admin", "X-Actor-Id": "admin-1"})
    [row] = client.get("/admissions/unmatched").json()
    assert row["reason"] == "no patient with these names and birth date"
    assert (row["identity"]["birth_name"], row["last_movement"], row["visit_number"]) == ("Personne", "admit", "V0001")
    patient = uuid.uuid4()
    answer = client.post(f"/admissions/{row['id']}/match", json={"patient_id": str(patient)})
    assert answer.status_code == 200 and answer.json()["patient_id"] == str(patient)
    assert answer.json()["state"] == "admitted"
    projector.project_once()
    assert client.get("/admissions/unmatched").json() == []
    assert client.post(f"/admissions/{row['id']}/match", json={"patient_id": str(uuid.uuid4())}).status_code == 409
    bad = client.post(f"/admissions/{row['id']}/match", json={"patient": "x"})
    assert bad.status_code == 422 and "patient_id" in bad.text
    assert client.get(f"/admissions/{uuid.uuid4()}").status_code == 404


def test_a_patient_registered_after_their_stay_arrived_is_matched_then(
    app: AdmissionsApplication, storage: Storage,
) -> None:
    """Break: identity_known only records the identity -> the waiting stay stays unmatched, fails."""
    from test_admissions_from_json import published, register_event

    projector = LocalProjector(app=app, storage=storage, translate=stays.local_events,
                               projections=[stays.projection()])
    projector.prepare()
    [admission] = app.record_movement(from_json(raw(json_message())))
    app.save(admission)
    projector.project_once()
    event = register_event()
    [matched] = app.identity_known(event)
    app.save(matched)
    assert matched.patient_id == event.patient_id
    assert [e.event_type for e in published(app, admission.id)] == ["PatientHospitalised"]
    assert app.identity_known(event) == []  # delivered again: nothing more
