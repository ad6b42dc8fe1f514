"""A pytest plugin for every test process of the repository (pytest.ini: `-p tests.logger_isolation`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import structlog


@pytest.fixture(autouse=True, scope="session")
def _loggers_never_cached() -> Iterator[None]:
    """configure_logging caches each module's logger on first use (in a service, a bind saved on
    every line). In a test process, a logger cached under the configuration of a test that wired
    a service would escape a later test's `structlog.testing.capture_logs`: which tests saw their
    log lines depended on the shuffle (seeds 716978502 and 2854604786 failed the clean-clone run)."""
    configure = structlog.configure

    def uncached(*args: Any, **kwargs: Any) -> None:
        configure(*args, **{**kwargs, "cache_logger_on_first_use": False})

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(structlog, "configure", uncached)
        yield
