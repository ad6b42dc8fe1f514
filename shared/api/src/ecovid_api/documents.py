"""Documents attached to a patient: the kinds and the answers (the upload itself is a multipart
form: the file, a `title` and a `kind`)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ecovid_api.common import Timestamp

DocumentKind = Literal["report", "prescription", "photo", "other"]
# The media types the documents service keeps (each checked against the file's first bytes):
# the OpenAPI says them as the form's file `encoding`, so a client knows before sending.
MEDIA_TYPES: tuple[str, ...] = ("application/pdf", "image/jpeg", "image/png", "text/plain")
SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


class DocumentAdded(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": "0f1e2d3c-4b5a-4697-8877-665544332211", "sha256": SHA256, "size": 48213}
    ]})

    id: uuid.UUID
    sha256: str
    size: int


class DocumentListed(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    title: str
    kind: str
    media_type: str
    sha256: str
    size: int
    added_at: Timestamp


class DocumentMetadata(DocumentListed):
    filename: str
