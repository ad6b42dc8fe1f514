"""Wires the dossier service: event store, outbox, search index, internal API."""

from __future__ import annotations

from ecovid_events import topics
from ecovid_platform.consumer import Projects
from ecovid_platform.runtime import ServiceProcess
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.wiring import run, wire

from dossier import SERVICE, read_models
from dossier.application import DossierApplication
from dossier.entrypoints import http
from dossier.integration import translate


def build(settings: ServiceSettings | None = None) -> ServiceProcess:
    parts = wire(SERVICE, DossierApplication, settings, read_models=[read_models.metadata])
    parts.publish_through_outbox(translate, topics.DOSSIER)
    parts.consume("dossier.search-index", topics.DOSSIER, {
        "PatientRegistered": Projects(read_models.index_registered),
        "PatientIdentityUpdated": Projects(read_models.index_identity_updated),
    })
    return parts.process(parts.http([http.router(parts.app, parts.storage)]))


def main() -> None:
    run(build())
