"""A patient's documents: adding one (the form's file sent on to the API as it came) and
downloading one (its bytes fetched with the user's token, always as an attachment: a file
is never shown inside the web's pages)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from ecovid_web.gateway import ApiError
from ecovid_web.web import checked_upload, gateway_of, go, session_of, signed_in

router = APIRouter()
ROLE = "professional"
KINDS = ("report", "prescription", "photo", "other")
LIMIT = 10 * 1024 * 1024  # the API's own limit for a document


@router.post("/patients/{patient_id}/documents")
async def add_document(request: Request, patient_id: uuid.UUID) -> Response:
    session = signed_in(request, ROLE)
    form = await checked_upload(request)
    back = f"/patients/{patient_id}" + (f"?episode={form.get('episode')}" if form.get("episode") else "")
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        session.flash = "file: un fichier est nécessaire"
        return go(back)
    content = await upload.read(LIMIT + 1)
    try:
        await gateway_of(request).call(
            "POST", f"/patients/{patient_id}/documents", token=session.token,
            data={"title": str(form.get("title") or ""), "kind": str(form.get("kind") or "")},
            files={"file": (upload.filename or "document", content, upload.content_type or "application/octet-stream")})
    except ApiError as error:
        if error.status not in {400, 409, 413, 415, 422}:
            raise
        session_of(request).flash = error.detail
    return go(back)


@router.get("/documents/{document_id}/content")
async def download(request: Request, document_id: uuid.UUID) -> Response:
    session = signed_in(request, ROLE)
    answer = await gateway_of(request).fetch("GET", f"/documents/{document_id}/content", token=session.token)
    disposition = answer.headers.get("content-disposition", "")
    if not disposition.startswith("attachment"):
        disposition = f'attachment; filename="document-{document_id}"'
    return Response(answer.content, media_type=answer.headers.get("content-type", "application/octet-stream"),
                    headers={"Content-Disposition": disposition})
