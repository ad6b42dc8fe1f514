"""Wires alerting: event store, outbox, consumers of breaches and circles, internal API."""

from __future__ import annotations

from ecovid_events import topics
from ecovid_platform.consumer import Commands, Projects
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
    # One consumer group: it raises alerts from breaches and missed reports (event-sourced,
    # with tracking) and keeps the alert list and care circles (read models). One fetch
    # loop and one acknowledgement per batch instead of two on the alert path.
    parts.consume("alerting.alerts", (topics.ECOVID_MONITOR, topics.ALERTING, topics.CARE_CIRCLE), {
        "ThresholdBreached": Commands(app.alerts_for_breach),
        "ReadingOverdue": Commands(app.alerts_for_missed_report),
        "AlertRaised": Projects(read_models.alert_raised, read_models.alerts_raised),
        "AlertAcknowledged": Projects(read_models.alert_acknowledged),
        "CareTeamMemberAdded": Projects(read_models.member_added),
        "CareTeamMemberRemoved": Projects(read_models.member_removed),
    })
    return parts.process(parts.http([http.router(app, parts.storage)]))


def main() -> None:
    run(build())
