"""Wires the documents service: event store, blob store, outbox, document list, internal API."""

from __future__ import annotations

from ecovid_events import topics
from ecovid_platform.rebuild import ServiceReadModels
from ecovid_platform.runtime import ServiceProcess
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.wiring import run, wire

from documents import SERVICE, read_models
from documents.adapters.blobs import BlobStore
from documents.application import DocumentsApplication
from documents.entrypoints import http
from documents.integration import translate


def build(settings: ServiceSettings | None = None) -> ServiceProcess:
    parts = wire(SERVICE, DocumentsApplication, settings, read_models=[read_models.metadata])
    app = parts.app
    assert isinstance(app, DocumentsApplication)
    app.use_blobs(BlobStore(parts.settings.data_dir / "blobs"))
    parts.publish_through_outbox(translate, topics.DOCUMENTS)
    # The document list from the service's own notification log: it consumes no topic.
    parts.project_locally(translate, [m.local for m in read_models.read_models() if m.local is not None],
                          urgent=False)
    return parts.process(parts.http([http.router(app, parts.storage)]))


def rebuildable() -> ServiceReadModels:
    """What `ecovid-ops rebuild documents` replays, and through what."""
    return ServiceReadModels(SERVICE, DocumentsApplication, translate, read_models.read_models())


def main() -> None:
    run(build())
