"""Lets the unit tests import their shared helpers (`events_for_tests`) under --import-mode=importlib."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
