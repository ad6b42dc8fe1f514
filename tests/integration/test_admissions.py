"""Hospital admissions on the real broker and PostgreSQL (a stack of its own, 3 s reporting interval):
a JSON admission, an HL7 A01 on the topic and an A01 over MLLP each raise one `hospitalised` alert
for the circle even delivered twice and pause the episode; the discharge raises `discharged` and
re-arms missed-report detection; A11 and A13 (and a JSON cancellation) resolve what they retract
with the reason; A08 updates the identity seen; an unmatched stay waits in the reconciliation list
and has its effect once matched; a discharge before its admission ends discharged; a bad message is
dead-lettered with the reason.

No fixed sleep: each wait is for a witness that comes after what it proves, on the same patient
(hence the same partition of every topic on the way)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from ecovid_events import topics

from ecovid_stack.stack import Stack

from tests.integration.kafka_tools import produce, read_all
from tests.integration.support import ADMIN, PASSWORD, Api, create_database, drop_database, eventually, start_stack

FINESS = "330781196"


@pytest.fixture(scope="module")
def stay_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    database = create_database()
    stack = start_stack(tmp_path_factory.mktemp("admissions-stack"), database, timeout=300,
                        ECOVID_REPORTING_INTERVAL_SECONDS="3", ECOVID_OVERDUE_POLL_SECONDS="0.5")
    yield stack
    stack.stop()
    drop_database(database)


@pytest.fixture(scope="module")
def team(stay_stack: Stack) -> tuple[Api, str]:
    admin = Api.login(stay_stack.url("gateway"), ADMIN["username"], ADMIN["password"])
    structure_id = admin.structure()
    _, email = admin.professional(structure_id)
    return Api.login(stay_stack.url("gateway"), email, PASSWORD), structure_id


def message(event_type: str, last_name: str, visit: str, at: datetime, **more: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": str(uuid.uuid4()), "event_type": event_type, "occurred_at": at.isoformat(),
        "hospital": {"finess": FINESS, "name": "CHU de Bordeaux"},
        # Written as a hospital would: capitals, no accents, the first given name only.
        "patient": {"last_name": last_name.upper(), "first_name": "HELOISE", "birth_date": "1950-03-02"},
        "visit_number": visit, "unit": "Pneumologie",
        **({"admitted_at": at.isoformat()} if event_type == "PatientHospitalised" else {}),
        **({"discharged_at": at.isoformat()} if event_type == "PatientDischarged" else {}),
    }
    return {**body, **more}


def send(stack: Stack, *messages: dict[str, Any]) -> None:
    # One key: the hospital's messages stay in order on one partition.
    produce(stack.kafka_bootstrap, topics.HOSPITAL_ADMISSIONS, [json.dumps(m).encode() for m in messages],
            key=FINESS.encode())


def of_kind(doctor: Api, patient: str, kind: str) -> list[dict[str, Any]]:
    return [a for a in doctor.alerts(patient) if a["kind"] == kind]


def test_admission_twice_one_alert_then_discharge_rearms_missed_reports(
    stay_stack: Stack, team: tuple[Api, str],
) -> None:
    """Break: ecovid-monitor's stay_changed does nothing -> the episode is never hospitalised, times out."""
    doctor, structure_id = team
    patient = doctor.patient("Hospitalière")
    episode = doctor.episode(patient, structure_id)
    now = datetime.now(UTC)
    admitted = message("PatientHospitalised", "Hospitaliere", "V-100", now)
    send(stay_stack, admitted, admitted)
    [alert] = eventually(lambda: of_kind(doctor, patient, "hospitalised"), timeout=30)
    assert alert["status"] == "raised" and "CHU de Bordeaux, Pneumologie" in alert["summary"]
    assert eventually(lambda: doctor.ok("GET", f"/care-episodes/{episode}")["hospitalised"] is True)

    before_discharge = datetime.now(UTC)
    send(stay_stack, admitted, message("PatientDischarged", "Hospitaliere", "V-100", now + timedelta(hours=1)))
    [home] = eventually(lambda: of_kind(doctor, patient, "discharged"), timeout=30)
    assert "return home" in home["summary"]
    assert len(of_kind(doctor, patient, "hospitalised")) == 1  # the third delivery came before the discharge
    assert doctor.ok("GET", f"/care-episodes/{episode}")["hospitalised"] is False
    # Re-armed: a missed report falls due one interval (3 s) after the discharge.
    missed = eventually(lambda: [a for a in of_kind(doctor, patient, "missed_report")
                                 if datetime.fromisoformat(a["raised_at"]) > before_discharge], timeout=30)
    assert len(missed) == 1


def test_a_cancelled_admission_resolves_its_alert_with_the_reason(stay_stack: Stack, team: tuple[Api, str]) -> None:
    """Break: alerting's alerts_retracted returns nothing -> the alert stays raised, times out."""
    doctor, structure_id = team
    patient = doctor.patient("Annulée")
    doctor.episode(patient, structure_id)
    now = datetime.now(UTC)
    send(stay_stack, message("PatientHospitalised", "Annulee", "V-200", now))
    eventually(lambda: of_kind(doctor, patient, "hospitalised"), timeout=30)
    send(stay_stack, message("AdmissionCancelled", "Annulee", "V-200", now + timedelta(minutes=5)))
    resolved = eventually(lambda: [a for a in of_kind(doctor, patient, "hospitalised") if a["status"] == "resolved"],
                          timeout=30)
    assert (resolved[0]["resolution_reason"], resolved[0]["resolution_note"], resolved[0]["resolved_by"]) == (
        "cancelled_by_hospital", "admission cancelled by the hospital", "hospital")


def test_a_bad_message_is_dead_lettered_with_its_reason_and_the_next_one_applies(
    stay_stack: Stack, team: tuple[Api, str],
) -> None:
    doctor, structure_id = team
    patient = doctor.patient("Après-Rebut")
    doctor.episode(patient, structure_id)
    bad = message("PatientHospitalised", "Apres-Rebut", "V-300", datetime.now(UTC), visit_number="")
    produce(stay_stack.kafka_bootstrap, topics.HOSPITAL_ADMISSIONS, [json.dumps(bad).encode(), b"\xff not json"],
            key=FINESS.encode())
    send(stay_stack, message("PatientHospitalised", "Apres-Rebut", "V-301", datetime.now(UTC)))
    eventually(lambda: of_kind(doctor, patient, "hospitalised"), timeout=30)
    dead = read_all(stay_stack.kafka_bootstrap, topics.dead_letter(topics.HOSPITAL_ADMISSIONS))
    reasons = {dict(r.headers)["dlt.reason"].decode() for r in dead}
    assert any(reason.startswith("visit_number:") for reason in reasons), reasons
    assert any(r.value == b"\xff not json" for r in dead)


# --- HL7 v2 ADT (IHE PAM FR), on the topic and over MLLP.

def adt(trigger: str, last: str, visit: str, movement: str, *, control_id: str | None = None,
        used: str = "", admitted: str = "20261130081500", discharged: str = "") -> bytes:
    names = f"{last}^HELOISE^^^^^L" + (f"~{used}^HELOISE^^^^^D" if used else "")
    segments = [
        (f"MSH|^~\\&|DXCARE|CHU Bordeaux^{FINESS}^FINESS|ECOVID|ECOVID|20261130082000||ADT^{trigger}|"
        f"{control_id or uuid.uuid4().hex[:20]}|P|2.5|||||FRA|8859/1"),
        "EVN||20261130082000",
        f"PID|1||4589^^^CHU&1.2.250.1.71.4.2.1&ISO^PI||{names}||19500302|F",
        f"PV1|1|I|PNEUMO^201^1||||||||||||||||{visit}|||||||||||||||||||||||||{admitted}|{discharged}",
        f"ZBE|{movement}^CHU|{discharged or admitted}||{'CANCEL' if trigger in ('A11', 'A12', 'A13') else 'INSERT'}|N",
    ]
    return "\r".join(segments).encode("iso-8859-1")


def send_hl7(stack: Stack, *messages: bytes) -> None:
    produce(stack.kafka_bootstrap, topics.HOSPITAL_ADT_HL7V2, list(messages), key=FINESS.encode())


def over_mllp(stack: Stack, *messages: bytes) -> list[str]:
    """Each message framed on one connection; the MSA segment of each answer."""

    async def exchange() -> list[str]:
        reader, writer = await asyncio.open_connection("127.0.0.1", stack.config.ports.mllp)
        answers = []
        for raw in messages:
            writer.write(b"\x0b" + raw + b"\x1c\r")
            await writer.drain()
            block = await reader.readuntil(b"\x1c\r")
            answers.append(next(s for s in block[1:-2].decode("latin-1").split("\r") if s.startswith("MSA")))
        writer.close()
        return answers

    return asyncio.run(exchange())


def episode_hospitalised(doctor: Api, episode: str) -> bool:
    return bool(doctor.ok("GET", f"/care-episodes/{episode}")["hospitalised"])


def test_hl7_a01_on_the_topic_twice_one_alert_a03_discharged_a13_puts_back_in(
    stay_stack: Stack, team: tuple[Api, str],
) -> None:
    """Break: ecovid-monitor's stay_changed does nothing -> the episode is never hospitalised, times out.
    (A copy with another MSH-10 but the same ZBE-1 is one movement: shown by the unit tests; here a
    second admit movement would change no state and raise no alert either.)"""
    doctor, structure_id = team
    patient = doctor.patient("Septième")
    episode = doctor.episode(patient, structure_id)
    admit = adt("A01", "SEPTIEME", "H-1", "M1")
    send_hl7(stay_stack, admit, adt("A01", "SEPTIEME", "H-1", "M1"))  # a copy: same ZBE-1, new MSH-10
    eventually(lambda: of_kind(doctor, patient, "hospitalised"), timeout=30)
    assert eventually(lambda: episode_hospitalised(doctor, episode))
    send_hl7(stay_stack, adt("A03", "SEPTIEME", "H-1", "M2", discharged="20261201100000"))
    eventually(lambda: of_kind(doctor, patient, "discharged"), timeout=30)
    assert len(of_kind(doctor, patient, "hospitalised")) == 1
    assert not episode_hospitalised(doctor, episode)
    send_hl7(stay_stack, adt("A13", "SEPTIEME", "H-1", "M2", discharged="20261201100000"))
    [home] = eventually(lambda: [a for a in of_kind(doctor, patient, "discharged") if a["status"] == "resolved"])
    assert (home["resolution_reason"], home["resolution_note"]) == (
        "cancelled_by_hospital", "discharge cancelled by the hospital")
    assert eventually(lambda: episode_hospitalised(doctor, episode))


def test_hl7_a11_retracts_the_admission(stay_stack: Stack, team: tuple[Api, str]) -> None:
    """Break: alerting's alerts_retracted returns nothing -> the alert stays raised, times out."""
    doctor, structure_id = team
    patient = doctor.patient("Onzième")
    doctor.episode(patient, structure_id)
    send_hl7(stay_stack, adt("A01", "ONZIEME", "H-11", "M11"), adt("A11", "ONZIEME", "H-11", "M11"))
    [alert] = eventually(lambda: [a for a in of_kind(doctor, patient, "hospitalised") if a["status"] == "resolved"])
    assert (alert["resolution_reason"], alert["resolution_note"]) == (
        "cancelled_by_hospital", "admission cancelled by the hospital")


def test_an_a01_over_mllp_twice_is_acknowledged_aa_each_time_and_raises_one_alert(
    stay_stack: Stack, team: tuple[Api, str],
) -> None:
    doctor, structure_id = team
    patient = doctor.patient("Par-Mllp")
    doctor.episode(patient, structure_id)
    answers = over_mllp(stay_stack, adt("A01", "PAR MLLP", "H-21", "M21", control_id="CTRL-1"),
                        adt("A01", "PAR MLLP", "H-21", "M21", control_id="CTRL-2"),
                        adt("A05", "PAR MLLP", "H-21", "M22", control_id="CTRL-3"),
                        adt("A03", "PAR MLLP", "H-21", "M23", control_id="CTRL-4", discharged="20261201100000"))
    assert answers == ["MSA|AA|CTRL-1", "MSA|AA|CTRL-2", "MSA|AR|CTRL-3", "MSA|AA|CTRL-4"]
    eventually(lambda: of_kind(doctor, patient, "discharged"), timeout=30)
    assert len(of_kind(doctor, patient, "hospitalised")) == 1


def test_an_unmatched_stay_waits_its_a08_updates_it_and_a_match_by_hand_has_its_effect(
    stay_stack: Stack, team: tuple[Api, str],
) -> None:
    """Break: match_by_hand does not save the matched admission -> no alert after the match, times out."""
    doctor, structure_id = team
    admin = Api.login(stay_stack.url("gateway"), ADMIN["username"], ADMIN["password"])
    patient = doctor.patient("Réconciliée")
    episode = doctor.episode(patient, structure_id)
    send_hl7(stay_stack, adt("A01", "INCONNUE", "H-31", "M31"))
    waiting = eventually(lambda: [r for r in admin.ok("GET", "/admissions/unmatched") if r["visit_number"] == "H-31"])
    assert waiting[0]["reason"] == "no patient with these names and birth date"
    send_hl7(stay_stack, adt("A08", "INCONNUE", "H-31", "M32", used="EPOUSE"))
    eventually(lambda: [r for r in admin.ok("GET", "/admissions/unmatched")
                        if r["visit_number"] == "H-31" and r["identity"].get("used_name") == "EPOUSE"])
    assert of_kind(doctor, patient, "hospitalised") == []
    stay = waiting[0]["id"]
    bad = admin.http.post(f"/api/v1/admissions/{stay}/match", json={"patient_id": "not-a-uuid"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "patient_id"
    admin.ok("POST", f"/admissions/{stay}/match", json={"patient_id": patient})
    eventually(lambda: of_kind(doctor, patient, "hospitalised"), timeout=30)
    assert eventually(lambda: episode_hospitalised(doctor, episode))
    assert eventually(lambda: not [r for r in admin.ok("GET", "/admissions/unmatched") if r["id"] == stay])


def test_a_discharge_before_its_admission_ends_discharged(stay_stack: Stack, team: tuple[Api, str]) -> None:
    """Break: the movements folded in arrival order -> the late admission re-hospitalises, fails."""
    doctor, structure_id = team
    patient = doctor.patient("Désordre")
    episode = doctor.episode(patient, structure_id)
    now = datetime.now(UTC)
    send(stay_stack, message("PatientDischarged", "Desordre", "V-400", now),
         message("PatientHospitalised", "Desordre", "V-400", now - timedelta(hours=6)))
    eventually(lambda: of_kind(doctor, patient, "discharged"), timeout=30)
    stay = str(uuid.uuid5(uuid.UUID("3c0f9a52-6a0e-4a8e-9d0b-2f6f3f1d9c71"), f"{FINESS}|V-400"))
    internal = {"X-Internal-Token": "development-internal-token"}

    def both_applied() -> dict[str, Any] | None:
        found = httpx.get(f"{stay_stack.url('admissions')}/admissions/{stay}", headers=internal)
        return found.json() if found.status_code == 200 and found.json()["movements"] == 2 else None

    assert eventually(both_applied)["state"] == "discharged"
    assert of_kind(doctor, patient, "hospitalised") == []
    assert not episode_hospitalised(doctor, episode)
