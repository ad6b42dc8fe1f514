"""Which failures are the infrastructure's (wait and retry) rather than the message's (dead-letter)."""

from __future__ import annotations

import sqlalchemy.exc
from eventsourcing.persistence import InterfaceError, OperationalError

_TRANSIENT = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
)


def is_transient(error: BaseException) -> bool:
    return isinstance(error, _TRANSIENT)
