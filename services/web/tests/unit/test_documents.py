"""Adding a document sends the form's file on to the API; downloading one always answers an
attachment (a file is never shown inside the web's own pages)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_fakes import DOCUMENT, EPISODE, PATIENT, FakeGateway, csrf_of, sign_in


def test_a_document_is_sent_on_with_its_title_and_kind(client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    patient_page = client.get(f"/patients/{PATIENT}?episode={EPISODE}").text
    answer = client.post(f"/patients/{PATIENT}/documents",
                         data={"csrf_token": csrf_of(patient_page), "title": "Compte rendu", "kind": "report",
                               "episode": EPISODE},
                         files={"file": ("cr.pdf", b"%PDF-1.4 contenu", "application/pdf")})
    assert answer.status_code == 303 and answer.headers["location"] == f"/patients/{PATIENT}?episode={EPISODE}"
    [sent] = gateway.posted(f"/patients/{PATIENT}/documents")
    assert b"%PDF-1.4 contenu" in sent and b'name="title"' in sent and b"Compte rendu" in sent and b"report" in sent


def test_a_document_upload_without_the_csrf_token_is_refused(client: TestClient, gateway: FakeGateway) -> None:
    sign_in(client)
    answer = client.post(f"/patients/{PATIENT}/documents", data={"title": "x", "kind": "report"},
                         files={"file": ("cr.pdf", b"%PDF-1.4", "application/pdf")})
    assert answer.status_code == 403 and gateway.posted(f"/patients/{PATIENT}/documents") == []


def test_a_download_is_an_attachment(client: TestClient) -> None:
    sign_in(client)
    answer = client.get(f"/documents/{DOCUMENT}/content")
    assert answer.status_code == 200 and answer.content == b"%PDF-1.4 compte rendu"
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith("attachment")
