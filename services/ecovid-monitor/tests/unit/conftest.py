"""Lets the unit tests import their shared helpers (`events_for_tests`) under --import-mode=importlib."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import pytest

from ecovid_monitor.application import MonitorApplication
from ecovid_monitor.domain.rules import default_rule_set


@pytest.fixture
def app() -> MonitorApplication:
    """The application on an in-memory store, with the default rule set."""
    monitor = MonitorApplication()
    monitor.rule_set = default_rule_set()
    return monitor
