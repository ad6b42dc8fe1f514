"""Wires the dossier service: event store, outbox, read models (search, episodes, timeline), internal API."""

from __future__ import annotations

from ecovid_events import topics
from ecovid_platform.runtime import ServiceProcess
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.wiring import run, wire

from dossier import SERVICE, read_models
from dossier.application import DossierApplication
from dossier.entrypoints import http, overview, records
from dossier.integration import translate
from dossier.rebuild import dossier_read_models, rebuildable

__all__ = ["build", "main", "rebuildable"]


def build(settings: ServiceSettings | None = None) -> ServiceProcess:
    parts = wire(SERVICE, DossierApplication, settings, read_models=[read_models.metadata])
    parts.publish_through_outbox(translate, topics.DOSSIER)
    search, record_tables, chronology = dossier_read_models()
    # Own events from the notification log: the search index and the timeline's share.
    parts.project_locally(translate, [m.local for m in (search, chronology) if m.local is not None], urgent=False)
    # Two consumer groups: what the dossier's pages read, and the timeline (rebuilt on its own).
    for model in (record_tables, chronology):
        assert model.consumed is not None
        parts.consume(model.consumed.consumer, model.consumed.topics, model.consumed.handlers, urgent=False)
    routers = [
        http.router(parts.app, parts.storage), records.router(parts.app),
        overview.router(parts.app, parts.storage, parts.settings),
    ]
    return parts.process(parts.http(routers))


def main() -> None:
    run(build())
