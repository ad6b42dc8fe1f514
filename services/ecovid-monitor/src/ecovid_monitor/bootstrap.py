"""Wires ecovid-monitor: event store, outbox, rule set, internal API."""

from __future__ import annotations

import os
from pathlib import Path

from ecovid_events import topics
from ecovid_platform.runtime import ServiceProcess
from ecovid_platform.settings import ServiceSettings
from ecovid_platform.wiring import run, wire

from ecovid_monitor import SERVICE
from ecovid_monitor.application import MonitorApplication
from ecovid_monitor.domain.rules import default_rule_set, load_rule_set
from ecovid_monitor.entrypoints import http
from ecovid_monitor.integration import translate


def build(settings: ServiceSettings | None = None) -> ServiceProcess:
    parts = wire(SERVICE, MonitorApplication, settings)
    app = parts.app
    assert isinstance(app, MonitorApplication)
    # A structure may install its own rule set; an invalid file stops the service here.
    rule_set_file = os.environ.get("ECOVID_RULE_SET_FILE")
    app.rule_set = load_rule_set(Path(rule_set_file)) if rule_set_file else default_rule_set()
    parts.publish_through_outbox(translate, topics.ECOVID_MONITOR)
    return parts.process(parts.http([http.router(app)]))


def main() -> None:
    run(build())
