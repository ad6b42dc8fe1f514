"""The services as an operator sees them: how to open each one's event store and read models.

Services never import each other; this operator tool may import them all, lazily, so a
command touches only the service it names.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from ecovid_events import topics
from ecovid_platform.rebuild import ServiceReadModels


@dataclass(frozen=True)
class Service:
    name: str
    application: str  # "module:Class"
    translate: str  # "module:function"
    topic: str  # where its outbox publishes
    read_models: str | None = None  # "module:function" giving its ServiceReadModels

    def rebuildable(self) -> ServiceReadModels:
        if self.read_models is None:
            raise KeyError(f"{self.name} keeps no read model")
        found: ServiceReadModels = _load(self.read_models)()
        return found

    def load_application(self) -> Any:
        return _load(self.application)

    def load_translate(self) -> Any:
        return _load(self.translate)


SERVICES = {service.name: service for service in (
    Service("dossier", "dossier.application:DossierApplication", "dossier.integration:translate",
            topics.DOSSIER, "dossier.rebuild:rebuildable"),
    Service("ecovid-monitor", "ecovid_monitor.application:MonitorApplication", "ecovid_monitor.integration:translate",
            topics.ECOVID_MONITOR, "ecovid_monitor.bootstrap:rebuildable"),
    Service("alerting", "alerting.application:AlertingApplication", "alerting.integration:translate",
            topics.ALERTING, "alerting.bootstrap:rebuildable"),
    Service("care-circle", "care_circle.application:CareCircleApplication", "care_circle.integration:translate",
            topics.CARE_CIRCLE),
    Service("documents", "documents.application:DocumentsApplication", "documents.integration:translate",
            topics.DOCUMENTS, "documents.bootstrap:rebuildable"),
    Service("admissions", "admissions.application:AdmissionsApplication", "admissions.integration:translate",
            topics.ADMISSIONS),
    Service("gateway", "gateway.application:GatewayApplication", "gateway.integration:translate",
            topics.GATEWAY_AUDIT),
)}


def _load(path: str) -> Any:
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)
