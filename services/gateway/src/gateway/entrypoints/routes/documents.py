"""Documents attached to a patient: upload (multipart), list, metadata and content.

The gateway checks the care circle, and that the caller's role in it opens documents
(not `home_help` nor `other`), and parses the public multipart form; the documents
service judges the file (size, media type, kind) and keeps it.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response, UploadFile

from ecovid_api.documents import MEDIA_TYPES, DocumentAdded, DocumentKind, DocumentListed, DocumentMetadata
from ecovid_api.text import Line200
from ecovid_platform.paging import Limit, Offset

from gateway.entrypoints.answers import answers
from gateway.entrypoints.deps import CorrelationId, CurrentUser, GatewayDep

router = APIRouter(prefix="/api/v1", tags=["documents"])
# Forward at most one byte past the documents service's 10 MiB limit: enough for it to
# answer 413 with its own message, never a huge upload held in the gateway's memory.
FORWARD_LIMIT = 10 * 1024 * 1024 + 1
# What the content answer keeps from the service's headers.
CONTENT_HEADERS = ("content-type", "content-disposition", "x-content-type-options", "etag")


# The file's accepted media types, said in the form's encoding (a file of another type is 415).
FILE_ENCODING = {"requestBody": {"content": {"multipart/form-data": {
    "encoding": {"file": {"contentType": ", ".join(MEDIA_TYPES)}}}}}}


@router.post("/patients/{patient_id}/documents", **answers(DocumentAdded, 201), openapi_extra=FILE_ENCODING)
async def add_document(
    patient_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId,
    file: UploadFile,
    title: Annotated[Line200, Form(examples=["Compte rendu de sortie"])],
    kind: Annotated[DocumentKind, Form(examples=["report"])],
) -> Any:
    await gw.check_patient_access(patient_id, user, "POST", request.url.path, cid, documents_and_notes=True)
    content = await file.read(FORWARD_LIMIT)
    params = {"title": title, "kind": kind, "media_type": file.content_type or "",
              "filename": (file.filename or "document")[:255]}
    return await gw.services.documents.send_bytes(
        "POST", f"/patients/{patient_id}/documents", content, params=params,
        principal=user, correlation_id=cid,
    )


@router.get("/patients/{patient_id}/documents", **answers(list[DocumentListed]))
async def documents(
    patient_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    await gw.check_patient_access(patient_id, user, "GET", request.url.path, cid, documents_and_notes=True)
    return await gw.services.documents.call(
        "GET", f"/patients/{patient_id}/documents", params={"limit": limit, "offset": offset},
        principal=user, correlation_id=cid,
    )


async def _metadata(document_id: uuid.UUID, request: Request, user: Any, gw: Any, cid: str) -> Any:
    """The document's metadata, once the caller is known to see its patient."""
    found = await gw.services.documents.call(
        "GET", f"/documents/{document_id}", principal=user, correlation_id=cid
    )
    await gw.check_patient_access(uuid.UUID(found["patient_id"]), user, "GET", request.url.path, cid,
                                  documents_and_notes=True)
    return found


@router.get("/documents/{document_id}", **answers(DocumentMetadata))
async def document(
    document_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Any:
    return await _metadata(document_id, request, user, gw, cid)


@router.get("/documents/{document_id}/content", response_class=Response, responses={200: {
    "description": "The file as it was added (its own media type), to download",
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
}})
async def content(
    document_id: uuid.UUID, request: Request, user: CurrentUser, gw: GatewayDep, cid: CorrelationId
) -> Response:
    await _metadata(document_id, request, user, gw, cid)
    answer = await gw.services.documents.fetch_bytes(
        f"/documents/{document_id}/content", principal=user, correlation_id=cid
    )
    headers = {name: answer.headers[name] for name in CONTENT_HEADERS if name in answer.headers}
    return Response(answer.content, headers=headers)
