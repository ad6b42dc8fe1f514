"""Logging: one JSON line per event off a terminal, with the service and the correlation id."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from ecovid_platform.logging import configure_logging


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    handlers, level = logging.getLogger().handlers[:], logging.getLogger().level
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    logging.getLogger().handlers[:] = handlers
    logging.getLogger().setLevel(level)


def test_json_lines_carry_the_service_and_the_correlation_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("platform-test", json=True, level="INFO")
    with structlog.contextvars.bound_contextvars(correlation_id="abc-123"):
        structlog.get_logger("test").info("event applied", patient_id=object())
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["event"] == "event applied" and line["service"] == "platform-test"
    assert line["correlation_id"] == "abc-123" and line["level"] == "info"
    assert line["timestamp"].endswith("Z")  # UTC
    assert line["patient_id"].startswith("<object")  # what orjson cannot encode goes as str()


def test_standard_library_loggers_go_through_the_same_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("platform-test", json=True, level="INFO")
    logging.getLogger("somewhere").warning("from the standard library")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["event"] == "from the standard library" and line["service"] == "platform-test"
    assert line["logger"] == "somewhere"


def test_below_the_level_nothing_is_written_and_noisy_libraries_are_quieter(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("platform-test", json=False, level="warning")
    structlog.get_logger("test").info("not shown")
    structlog.get_logger("test").warning("shown")
    err = capsys.readouterr().err
    assert "not shown" not in err and "shown" in err
    assert logging.getLogger("aiokafka").level == logging.WARNING
