"""Wires the dossier service: event store, outbox, read models (search, episodes, timeline), internal API."""

from __future__ import annotations

from ecovid_events import topics
from ecovid_platform.consumer import Projects, combined
from ecovid_platform.runtime import ServiceProcess
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.wiring import run, wire

from dossier import SERVICE, documents, episodes, read_models, timeline
from dossier.application import DossierApplication
from dossier.entrypoints import http, overview, records
from dossier.integration import translate


def build(settings: ServiceSettings | None = None) -> ServiceProcess:
    parts = wire(SERVICE, DossierApplication, settings, read_models=[read_models.metadata])
    parts.publish_through_outbox(translate, topics.DOSSIER)
    # Two consumer groups: what the dossier's pages read, and the timeline (rebuilt on its own).
    parts.consume("dossier.records", (topics.DOSSIER, topics.ECOVID_MONITOR, topics.DOCUMENTS), combined({
        "PatientRegistered": Projects(read_models.index_registered),
        "PatientIdentityUpdated": Projects(read_models.index_identity_updated),
        "CareEpisodeOpened": Projects(episodes.episode_opened),
        "ReadingRecorded": Projects(episodes.reading_recorded, episodes.readings_recorded),
        "CareStatusChanged": Projects(episodes.status_changed),
        "CareEpisodeClosed": Projects(episodes.episode_closed),
        "DocumentAdded": Projects(documents.document_added),
    }), urgent=False)
    parts.consume(timeline.CONSUMER, timeline.TOPICS, timeline.handlers(), urgent=False)
    routers = [
        http.router(parts.app, parts.storage), records.router(parts.app),
        overview.router(parts.app, parts.storage, parts.settings),
    ]
    return parts.process(parts.http(routers))


def main() -> None:
    run(build())
