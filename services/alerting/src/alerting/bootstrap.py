"""Wires alerting: event store, outbox, consumers of breaches and circles, internal API."""

from __future__ import annotations

from ecovid_events import topics
from ecovid_platform.consumer import Commands
from ecovid_platform.rebuild import ServiceReadModels
from ecovid_platform.runtime import ServiceProcess
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.wiring import run, wire

from alerting import SERVICE, read_models
from alerting.application import AlertingApplication
from alerting.entrypoints import http
from alerting.integration import translate


def build(settings: ServiceSettings | None = None) -> ServiceProcess:
    parts = wire(SERVICE, AlertingApplication, settings, read_models=[read_models.metadata])
    app = parts.app
    assert isinstance(app, AlertingApplication)
    parts.publish_through_outbox(translate, topics.ALERTING)
    alert_list, circles = read_models.read_models()
    assert alert_list.local is not None and circles.consumed is not None
    # The alert list from alerting's own notification log, not read back through Kafka.
    parts.project_locally(translate, [alert_list.local])
    # One consumer group: it raises alerts from breaches and missed reports (event-sourced,
    # with tracking) and keeps the care circles (a read model).
    parts.consume(circles.consumed.consumer, (topics.ECOVID_MONITOR, *circles.consumed.topics), {
        "ThresholdBreached": Commands(app.alerts_for_breach),
        "ReadingOverdue": Commands(app.alerts_for_missed_report),
        **circles.consumed.handlers,
    })
    return parts.process(parts.http([http.router(app, parts.storage)]))


def rebuildable() -> ServiceReadModels:
    """What `ecovid-ops rebuild alerting` replays, and through what."""
    return ServiceReadModels(SERVICE, AlertingApplication, translate, read_models.read_models())


def main() -> None:
    run(build())
