"""The document aggregate: metadata of one file attached to a patient.

The bytes are not in the event store: the event keeps their sha256 and the key
of the blob, so the store stays small and the content can be checked on read.
"""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.domain import Aggregate, event


class Document(Aggregate):
    @event("Added", topic="documents:Document.Added.v1")
    def __init__(
        self,
        patient_id: uuid.UUID,
        title: str,
        kind: str,
        filename: str,
        media_type: str,
        sha256: str,
        size: int,
        blob_key: str,
        trace: dict[str, Any],
    ) -> None:
        self.patient_id = patient_id
        self.title, self.kind, self.filename = title, kind, filename
        self.media_type, self.sha256, self.size = media_type, sha256, size
        self.blob_key = blob_key
