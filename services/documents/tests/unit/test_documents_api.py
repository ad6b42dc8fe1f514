"""The internal API on SQLite, without a broker: upload, metadata, content, refusals."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ecovid_platform.settings import ServiceSettings
from ecovid_platform.storage import Storage
from ecovid_platform.wiring import Wiring

from documents import SERVICE, read_models
from documents.adapters.blobs import BlobStore
from documents.application import DocumentsApplication
from documents.domain.document import Document
from documents.domain.limits import MAX_SIZE
from documents.entrypoints import http
from documents.integration import translate

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    store = Storage(SERVICE, ServiceSettings(data_dir=tmp_path))
    store.create_tables(read_models.metadata)
    return store


@pytest.fixture
def app(storage: Storage, tmp_path: Path) -> DocumentsApplication:
    application = DocumentsApplication(env=storage.eventsourcing_env())
    application.use_blobs(BlobStore(tmp_path / "blobs"))
    return application


@pytest.fixture
def client(app: DocumentsApplication, storage: Storage) -> TestClient:
    settings = ServiceSettings()
    wiring = Wiring(SERVICE, settings, storage, app, broker=None)  # type: ignore[arg-type]
    test = TestClient(wiring.http([http.router(app, storage)]))
    test.headers.update({"X-Internal-Token": settings.internal_token.get_secret_value(),
                         "X-Actor-Kind": "professional", "X-Actor-Id": "pro-1"})
    return test


def upload(client: TestClient, content: bytes, media_type: str = "application/pdf", kind: str = "report") -> object:
    return client.post(f"/patients/{uuid.uuid4()}/documents", content=content, params={
        "title": "Compte rendu", "kind": kind, "media_type": media_type, "filename": "cr été.pdf"})


def test_upload_then_metadata_content_and_integration_event(client: TestClient, app: DocumentsApplication) -> None:
    created = upload(client, PDF)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["sha256"], body["size"]) == (hashlib.sha256(PDF).hexdigest(), len(PDF))
    meta = client.get(f"/documents/{body['id']}").json()
    assert (meta["kind"], meta["media_type"], meta["filename"]) == ("report", "application/pdf", "cr été.pdf")
    content = client.get(f"/documents/{body['id']}/content")
    assert content.content == PDF and content.headers["content-type"] == "application/pdf"
    assert content.headers["content-disposition"].startswith("attachment;")
    stored = app.repository.get(uuid.UUID(body["id"]))
    assert isinstance(stored, Document)
    (event,) = [e for n in app.notification_log.select(1, 10) for e in translate(app.mapper.to_domain_event(n))]
    assert event.event_type == "DocumentAdded" and event.payload.sha256 == body["sha256"]


def test_refusals(client: TestClient) -> None:
    too_large = upload(client, PDF + b"\0" * MAX_SIZE)
    assert too_large.status_code == 413 and "10 MiB" in too_large.json()["detail"]
    assert upload(client, b"PK\x03\x04", media_type="application/zip").status_code == 415
    assert upload(client, PDF, kind="xray").status_code == 422
    assert client.get(f"/documents/{uuid.uuid4()}").status_code == 404


def test_the_list_is_paged_within_bounds(client: TestClient) -> None:
    """Break: `offset: Offset` back to `Query(ge=0)` -> fails (the offset reaches the database)."""
    for params in ({"offset": 2**63}, {"offset": -1}, {"limit": 0}, {"limit": 501}):
        response = client.get(f"/patients/{uuid.uuid4()}/documents", params=params)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] in params, response.text
