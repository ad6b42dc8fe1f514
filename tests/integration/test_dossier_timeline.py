"""The timeline of a patient: events of dossier, ecovid-monitor and alerting in order, the
summary's care episode, and a rebuild from the topics that ends identical."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx

from ecovid_platform.settings import DEVELOPMENT_INTERNAL_TOKEN

from ecovid_stack.stack import Stack

from tests.integration.support import ALARMING, Api, eventually, now_iso


def _everything(doctor: Api, patient: str, **params: Any) -> list[dict[str, Any]]:
    items, offset = [], 0
    while offset is not None:
        page = doctor.ok("GET", f"/patients/{patient}/timeline", params={**params, "limit": 3, "offset": offset})
        items += page["items"]
        offset = page["next_offset"]
    return items


def test_timeline_in_order_and_identical_after_a_rebuild(pg_stack: Stack, care_team: tuple[Api, str]) -> None:
    doctor, structure_id = care_team
    patient = doctor.patient("Rousseau")
    episode = doctor.episode(patient, structure_id)
    doctor.ok("POST", f"/care-episodes/{episode}/readings", 201, json={"taken_at": now_iso(), **ALARMING})
    alert = eventually(lambda: doctor.alerts(patient))[0]
    doctor.ok("POST", f"/alerts/{alert['id']}/acknowledge")
    doctor.ok("POST", f"/patients/{patient}/notes", 201, json={"text": "Appel au patient, rassuré"})
    wanted = {"PatientRegistered", "CareEpisodeOpened", "ReadingRecorded", "ThresholdBreached",
              "AlertRaised", "AlertAcknowledged", "NoteShared", "CareTeamMemberAdded"}
    before = eventually(lambda: (items := _everything(doctor, patient)) and wanted <= {i["event_type"] for i in items}
                        and items)
    assert [(i["occurred_at"], i["event_id"]) for i in before] == sorted(
        (i["occurred_at"], i["event_id"]) for i in before
    )
    assert {i["producer"] for i in before} >= {"dossier", "ecovid-monitor", "alerting"}
    reading = next(i for i in before if i["event_type"] == "ReadingRecorded")
    assert reading["details"]["overall_level"] == "alert" and reading["summary"] == "reading recorded: alert"

    alerts_only = _everything(doctor, patient, kind=["AlertRaised", "AlertAcknowledged"])
    assert [i["event_type"] for i in alerts_only] == ["AlertRaised", "AlertAcknowledged"]
    assert _everything(doctor, patient, **{"from": "2999-01-01T00:00:00Z"}) == []

    summary = eventually(lambda: (s := doctor.ok("GET", f"/patients/{patient}/summary"))["care_episode"] and s)
    assert (summary["care_episode"]["id"], summary["care_episode"]["general_state"]) == (episode, "alert")

    rebuilt = subprocess.run(
        [sys.executable, "-m", "dossier.rebuild_timeline"],
        check=False,
        env=pg_stack.service_env("dossier"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
    assert _everything(doctor, patient) == before
    answer = httpx.post(f"{pg_stack.url('dossier')}/admin/timeline/rebuild",
                        headers={"X-Internal-Token": DEVELOPMENT_INTERNAL_TOKEN}, timeout=120)
    assert answer.status_code == 200 and answer.json()["applied"] >= len(before)
    assert _everything(doctor, patient) == before

    doctor.ok("POST", f"/care-episodes/{episode}/close")
    eventually(lambda: doctor.ok("GET", f"/patients/{patient}/summary")["care_episode"] is None)
    # The timeline is a consumer group of its own: it may show the closing a moment after the summary.
    eventually(lambda: "CareEpisodeClosed" in {i["event_type"] for i in _everything(doctor, patient)})
