"""Every stored event topic resolves in a process that has written nothing yet (a restart).

Without the registration the probe fails: eventsourcing registers explicit topics lazily.
"""

from __future__ import annotations

import subprocess
import sys

DOMAIN_MODULES = [
    "documents.domain.document",
    "alerting.domain.alert", "care_circle.domain.circle", "care_circle.domain.directory",
    "dossier.domain.patient", "dossier.domain.identity_key", "ecovid_monitor.domain.episode",
    "gateway.domain.account",
]

PROBE = """
import importlib, sys
from eventsourcing.domain import Aggregate, CanMutateAggregate
from eventsourcing.utils import resolve_topic
from ecovid_platform.application import register_event_topics
modules = [importlib.import_module(name) for name in sys.argv[1:]]
register_event_topics()  # what every ServiceApplication does when it starts
unresolved = []
for module in modules:
    for aggregate in vars(module).values():
        if isinstance(aggregate, type) and issubclass(aggregate, Aggregate) and aggregate is not Aggregate:
            for member in vars(aggregate).values():
                topic = getattr(member, "TOPIC", None)
                if isinstance(member, type) and issubclass(member, CanMutateAggregate) and topic:
                    try:
                        assert resolve_topic(topic) is member
                    except Exception:
                        unresolved.append(topic)
print(",".join(unresolved))
"""


def test_stored_event_topics_resolve_after_a_restart() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE, *DOMAIN_MODULES],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
