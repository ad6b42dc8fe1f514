"""Wires ecovid-monitor: event store, outbox, rule set, read models, missed-report watcher, internal API."""

from __future__ import annotations

from ecovid_events import topics
from ecovid_platform.consumer import Commands
from ecovid_platform.rebuild import ServiceReadModels
from ecovid_platform.runtime import ServiceProcess
from ecovid_platform.settings import ServiceSettings, load
from ecovid_platform.wiring import Wiring, run, wire

from ecovid_monitor import SERVICE
from ecovid_monitor.application import MonitorApplication
from ecovid_monitor.domain.rules import (
    RuleSet,
    RuleSetInvalid,
    default_rule_set,
    load_rule_set,
)
from ecovid_monitor.entrypoints import http, lists_http, missed_reports
from ecovid_monitor.integration import LIGHT, translate
from ecovid_monitor.read_models import projections as lists
from ecovid_monitor.read_models.deadlines import Deadlines
from ecovid_monitor.read_models.tables import metadata
from ecovid_monitor.settings import MonitorSettings


def rule_set_of(monitor: MonitorSettings) -> RuleSet:
    """A structure may install its own rule set; an invalid file stops the service, naming the rule."""
    if monitor.rule_set_file is None:
        return default_rule_set()
    try:
        return load_rule_set(monitor.rule_set_file)
    except (RuleSetInvalid, OSError) as error:
        raise SystemExit(f"ECOVID_RULE_SET_FILE={monitor.rule_set_file}: {error}") from None


def build(settings: ServiceSettings | None = None, monitor: MonitorSettings | None = None) -> ServiceProcess:
    monitor = monitor or load(MonitorSettings, SERVICE)
    rule_set = rule_set_of(monitor)  # before anything starts
    parts = wire(SERVICE, MonitorApplication, settings, read_models=[metadata])
    app = parts.app
    assert isinstance(app, MonitorApplication)
    app.rule_set = rule_set
    app.reporting_interval_override = monitor.reporting_interval_seconds
    parts.publish_through_outbox(translate, topics.ECOVID_MONITOR)
    _keep_read_models(parts, Deadlines(monitor.reporting_interval_seconds))
    # Hospital stays from the admissions service: the open episode paused and resumed.
    parts.consume("ecovid-monitor.hospital-stays", topics.ADMISSIONS, {
        kind: Commands(app.stay_changed)
        for kind in ("PatientHospitalised", "PatientDischarged", "AdmissionCancelled")
    })
    watcher = missed_reports.watcher(app, parts.storage, monitor.overdue_poll_seconds)
    routers = [http.router(app), lists_http.router(parts.storage)]
    return parts.process(parts.http(routers), background=[watcher])


def _keep_read_models(parts: Wiring, deadlines: Deadlines) -> None:
    # The service's own events from its notification log (lists and deadlines, one
    # transaction per batch); the dossier's names through Kafka.
    models = lists.read_models(deadlines)
    parts.project_locally(translate, [m.local for m in models if m.local is not None], urgent=False)
    for model in models:
        if model.consumed is not None:
            parts.consume(model.consumed.consumer, model.consumed.topics, model.consumed.handlers, urgent=False)


def rebuildable(monitor: MonitorSettings | None = None) -> ServiceReadModels:
    """What `ecovid-ops rebuild ecovid-monitor` replays, and through what."""
    monitor = monitor or MonitorSettings()
    return ServiceReadModels(SERVICE, MonitorApplication, translate,
                             lists.read_models(Deadlines(monitor.reporting_interval_seconds)), light=LIGHT)


def main() -> None:
    run(build())
