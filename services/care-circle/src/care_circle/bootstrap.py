"""Wires care-circle: event store, outbox, the creator-joins-circle consumer, internal API."""

from __future__ import annotations

from ecovid_events import topics
from ecovid_platform.consumer import Commands
from ecovid_platform.runtime import ServiceProcess
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.wiring import run, wire

from care_circle import SERVICE, directory_index
from care_circle.application import CareCircleApplication
from care_circle.entrypoints import http
from care_circle.integration import translate


def build(settings: ServiceSettings | None = None) -> ServiceProcess:
    parts = wire(SERVICE, CareCircleApplication, settings, read_models=[directory_index.metadata])
    app = parts.app
    assert isinstance(app, CareCircleApplication)
    parts.publish_through_outbox(translate, topics.CARE_CIRCLE)
    parts.project_locally(translate, [directory_index.projection], urgent=False)
    parts.consume("care-circle.patient-creators", topics.DOSSIER, {
        "PatientRegistered": Commands(app.creator_joins_circle),
    })
    return parts.process(parts.http([http.router(app), http.directory_router(parts.storage)]))


def main() -> None:
    run(build())
