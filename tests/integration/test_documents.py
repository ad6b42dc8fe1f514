"""Documents end to end through the gateway, on PostgreSQL and the real broker: upload,
list, content byte for byte, refusals, access, and the patient summary and timeline."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from ecovid_stack.stack import Stack

from tests.integration.support import PASSWORD, Api, eventually

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + bytes(range(256)) + b"\n%%EOF\n"


@pytest.fixture(scope="module")
def patient(care_team: tuple[Api, str]) -> str:
    doctor, _ = care_team
    return doctor.patient(last_name="Documents")


def upload(api: Api, patient_id: str, content: bytes, media_type: str = "application/pdf",
           title: str = "Compte rendu de sortie", kind: str = "report") -> Any:
    return api.http.post(f"/api/v1/patients/{patient_id}/documents",
                         files={"file": ("compte-rendu.pdf", content, media_type)},
                         data={"title": title, "kind": kind})


def test_upload_list_content_and_summary(care_team: tuple[Api, str], patient: str) -> None:
    doctor, _ = care_team
    created = upload(doctor, patient, PDF)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["sha256"], body["size"]) == (hashlib.sha256(PDF).hexdigest(), len(PDF))

    listed = eventually(
        lambda: [d for d in doctor.ok("GET", f"/patients/{patient}/documents") if d["id"] == body["id"]]
    )
    assert (listed[0]["title"], listed[0]["kind"], listed[0]["media_type"]) == (
        "Compte rendu de sortie", "report", "application/pdf")

    content = doctor.http.get(f"/api/v1/documents/{body['id']}/content")
    assert content.status_code == 200 and content.content == PDF
    assert content.headers["content-type"] == "application/pdf"
    assert doctor.ok("GET", f"/documents/{body['id']}")["patient_id"] == patient

    def summary_lists_it() -> list[dict[str, Any]]:
        latest = doctor.ok("GET", f"/patients/{patient}/summary")["latest_documents"]
        return [d for d in latest["items"] if d["id"] == body["id"]]

    item = eventually(summary_lists_it)[0]
    assert (item["title"], item["kind"]) == ("Compte rendu de sortie", "report") and item["added_at"]
    # Its own document: the module's patient also gets the outsider test's, in either order.
    timeline = eventually(lambda: [e for e in doctor.ok("GET", f"/patients/{patient}/timeline")["items"]
                                   if e["event_type"] == "DocumentAdded" and e["details"]["document_id"] == body["id"]])
    assert "Compte rendu de sortie" in timeline[0]["summary"]


def test_refusals_say_why(care_team: tuple[Api, str], patient: str) -> None:
    doctor, _ = care_team
    too_large = upload(doctor, patient, PDF + b"\0" * (10 * 1024 * 1024))
    assert too_large.status_code == 413 and "10 MiB" in too_large.json()["detail"]
    wrong_type = upload(doctor, patient, b"PK\x03\x04zip", media_type="application/zip")
    assert wrong_type.status_code == 415 and "application/zip" in wrong_type.json()["detail"]
    assert upload(doctor, patient, b"<html>", media_type="application/pdf").status_code == 415
    assert upload(doctor, patient, PDF, kind="xray").status_code == 422


def test_an_outsider_sees_nothing(pg_stack: Stack, pg_admin: Api, care_team: tuple[Api, str], patient: str) -> None:
    doctor, structure_id = care_team
    document = upload(doctor, patient, PDF, title="Ordonnance", kind="prescription").json()["id"]
    _, email = pg_admin.professional(structure_id)
    outsider = Api.login(pg_stack.url("gateway"), email, PASSWORD)
    assert upload(outsider, patient, PDF).status_code == 403
    assert outsider.http.get(f"/api/v1/patients/{patient}/documents").status_code == 403
    assert outsider.http.get(f"/api/v1/documents/{document}").status_code == 403
    assert outsider.http.get(f"/api/v1/documents/{document}/content").status_code == 403
