"""Translation of stored document events into integration events (the outbox)."""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Any

from ecovid_events import IntegrationEvent
from ecovid_events.documents import DocumentAdded, DocumentAddedPayload
from ecovid_platform.integration import EVERY, envelope

from documents import SERVICE
from documents.domain.document import Document


def translate(event: Any, wanted: Container[str] = EVERY) -> Iterable[IntegrationEvent]:
    # The filename and blob key stay inside the service: other services only need
    # what to show, and fetch the bytes through the gateway.
    if isinstance(event, Document.Added):
        yield DocumentAdded(**envelope(event, SERVICE, event.patient_id), payload=DocumentAddedPayload(
            document_id=event.originator_id, title=event.title, kind=event.kind,
            media_type=event.media_type, sha256=event.sha256, size=event.size,
        ))
