"""Internal HTTP API of documents (called by the gateway only).

An upload is the raw bytes as the request body, its metadata as query
parameters: the gateway parses the public multipart form, this API stays simple.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response

from ecovid_api.documents import DocumentAdded, DocumentListed, DocumentMetadata
from ecovid_api.text import Line200
from ecovid_platform.http import ActorDep, CorrelationDep
from ecovid_platform.paging import Limit, Offset
from ecovid_platform.storage import Storage

from documents import read_models
from documents.application import DocumentsApplication
from documents.domain import limits
from documents.domain.document import Document


async def _bounded_body(request: Request) -> bytes:
    """The body, but never more than the limit plus one byte in memory."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        limits.check_size(size)  # raises 413 as soon as the limit is passed
        chunks.append(chunk)
    return b"".join(chunks)


def _metadata(document: Document) -> dict[str, Any]:
    return {
        "id": str(document.id), "patient_id": str(document.patient_id), "title": document.title,
        "kind": document.kind, "filename": document.filename, "media_type": document.media_type,
        "sha256": document.sha256, "size": document.size, "added_at": document.created_on.isoformat(),
    }


def router(app: DocumentsApplication, storage: Storage) -> APIRouter:
    api = APIRouter(tags=["documents"])

    @api.post("/patients/{patient_id}/documents", status_code=201, response_model=DocumentAdded)
    async def add(
        patient_id: uuid.UUID, request: Request, actor: ActorDep, correlation_id: CorrelationDep,
        title: Annotated[Line200, Query()],
        kind: str, media_type: str,
        filename: Annotated[str, Query(max_length=255)] = "document",
    ) -> dict[str, Any]:
        content = await _bounded_body(request)
        document = app.add_document(
            patient_id, title=title, kind=kind, filename=filename, media_type=media_type,
            content=content, actor=actor, correlation_id=correlation_id,
        )
        return {"id": str(document.id), "sha256": document.sha256, "size": document.size}

    @api.get("/patients/{patient_id}/documents", response_model=list[DocumentListed])
    def documents(
        patient_id: uuid.UUID,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[dict[str, Any]]:
        with storage.transaction() as session:
            return read_models.list_documents(session, patient_id, limit, offset)

    @api.get("/documents/{document_id}", response_model=DocumentMetadata)
    def document(document_id: uuid.UUID) -> dict[str, Any]:
        return _metadata(app.document(document_id))

    @api.get("/documents/{document_id}/content")
    def content(document_id: uuid.UUID) -> Response:
        found = app.document(document_id)
        return Response(app.content(found), media_type=found.media_type, headers={
            # Download, never render inline: the bytes come from users.
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename)}",
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{found.sha256}"',
        })

    return api
