"""The first path through every layer: enrol a patient, an alarming reading becomes an alert."""

from __future__ import annotations

from ecovid_stack.stack import Stack

from tests.integration.support import ADMIN, ALARMING, NORMAL, PASSWORD, Api, eventually, now_iso


def walk_the_path(stack: Stack) -> None:
    gateway = stack.url("gateway")
    admin = Api.login(gateway, ADMIN["username"], ADMIN["password"])
    structure_id = admin.structure()
    _, email = admin.professional(structure_id)
    doctor = Api.login(gateway, email, PASSWORD)

    alarming_patient = doctor.patient("Lefebvre")
    calm_patient = doctor.patient("Moreau")
    assert doctor.ok("GET", f"/patients/{alarming_patient}")["identity"]["last_name"] == "Lefebvre"

    episode = doctor.episode(alarming_patient, structure_id)
    coloured = doctor.ok("POST", f"/care-episodes/{episode}/readings", 201,
                         json={"taken_at": now_iso(), **ALARMING})
    assert coloured["overall_level"] == "alert"
    assert coloured["levels"]["temperature"] == "alert"
    assert coloured["levels"]["respiratory_rate"] == "unknown"

    calm_episode = doctor.episode(calm_patient, structure_id)
    calm = doctor.ok("POST", f"/care-episodes/{calm_episode}/readings", 201,
                     json={"taken_at": now_iso(), **NORMAL})
    assert calm["overall_level"] == "normal"

    alerts = eventually(lambda: doctor.alerts(alarming_patient))
    assert [(a["kind"], a["level"], a["status"]) for a in alerts] == [("threshold", "alert", "raised")]
    assert alerts[0]["patient_id"] == alarming_patient
    assert alerts[0]["raised_at"].endswith("+00:00")

    # A second alarming reading updates the open alert; the calm patient still has none.
    doctor.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(), **ALARMING})
    updated = eventually(lambda: [a for a in doctor.alerts(alarming_patient) if a["occurrences"] == 2])
    assert [a["id"] for a in updated] == [alerts[0]["id"]]
    assert doctor.alerts(calm_patient) == []
    # Not in the circle of the calm patient's events? The caller's own list has the one alert.
    assert len(doctor.ok("GET", "/alerts")) == 1


def test_path_on_postgresql(pg_stack: Stack) -> None:
    walk_the_path(pg_stack)


def test_path_on_sqlite(sqlite_stack: Stack) -> None:
    walk_the_path(sqlite_stack)


def test_acknowledging_an_alert(care_team: tuple[Api, str]) -> None:
    doctor, structure_id = care_team
    patient = doctor.patient("Garnier")
    episode = doctor.episode(patient, structure_id)
    doctor.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(), **ALARMING})
    alert = eventually(lambda: doctor.alerts(patient))[0]
    acknowledged = doctor.ok("POST", f"/alerts/{alert['id']}/acknowledge")
    assert acknowledged["status"] == "acknowledged"
    doctor.ok("POST", f"/alerts/{alert['id']}/acknowledge", 409)
    eventually(lambda: doctor.alerts(patient)[0]["status"] == "acknowledged")
