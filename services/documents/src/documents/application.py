"""Use cases of the documents service: add a document to a patient, read it back."""

from __future__ import annotations

import uuid

from ecovid_events import Actor
from ecovid_platform.application import ServiceApplication, trace
from ecovid_platform.errors import Damaged

from documents.adapters.blobs import BlobCorrupted, BlobMissing, BlobStore
from documents.domain import limits
from documents.domain.document import Document


class ContentUnavailable(Damaged):
    """The metadata exists but its bytes are gone or damaged: an operator must look."""


class DocumentsApplication(ServiceApplication):
    name = "documents"
    blobs: BlobStore | None = None

    def use_blobs(self, store: BlobStore) -> None:
        self.blobs = store

    def add_document(
        self, patient_id: uuid.UUID, *, title: str, kind: str, filename: str, media_type: str,
        content: bytes, actor: Actor, correlation_id: str,
    ) -> Document:
        media_type = limits.normalise_media_type(media_type)
        limits.check(kind, media_type, content)
        # Blob first, then the event: a failed save leaves an unreferenced blob (harmless,
        # content-addressed), never an event pointing to missing bytes.
        key = self._blobs().put(content)
        document = Document(
            patient_id=patient_id, title=title, kind=kind, filename=filename,
            media_type=media_type, sha256=key, size=len(content), blob_key=key,
            trace=trace(actor, correlation_id),
        )
        self.save(document)
        return document

    def document(self, document_id: uuid.UUID) -> Document:
        return self.get_or_404(document_id, Document, "document_id")

    def content(self, document: Document) -> bytes:
        try:
            return self._blobs().get(document.blob_key)
        except (BlobMissing, BlobCorrupted) as error:
            state = "damaged" if isinstance(error, BlobCorrupted) else "missing"
            raise ContentUnavailable(f"the content of document {document.id} is {state}") from None

    def _blobs(self) -> BlobStore:
        if self.blobs is None:
            raise RuntimeError("no blob store: call use_blobs() when wiring the service")
        return self.blobs
