"""Wires the documents service: event store and health, no routes yet."""

from __future__ import annotations

from ecovid_platform.runtime import ServiceProcess
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.wiring import run, wire

from documents import SERVICE
from documents.application import DocumentsApplication


def build(settings: ServiceSettings | None = None) -> ServiceProcess:
    parts = wire(SERVICE, DocumentsApplication, settings)
    return parts.process(parts.http([]))


def main() -> None:
    run(build())
