"""Why a part of the stack cannot start, found before starting it or read from its log.

A child that dies at start-up often dies of someone else's fault (a service of a
broker that never came up, tansu of a port still held by a previous run): the
supervisor looks for the first cause and names it.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Mapping
from pathlib import Path

import psutil
import psycopg


class StackError(RuntimeError):
    """A part of the stack cannot start or died; the message names the cause."""


class PortInUse(StackError):
    pass


class DatabaseUnreachable(StackError):
    pass


def tail(log_file: Path | None, lines: int = 15) -> str:
    if log_file is None or not log_file.exists():
        return "(no log)"
    with log_file.open("rb") as log:
        log.seek(0, 2)
        log.seek(max(0, log.tell() - 64 * 1024))
        last = log.read().decode(errors="replace").splitlines()[-lines:]
    return "\n".join(f"  | {line}" for line in last) or "  | (empty)"


def port_is_free(port: int) -> bool:
    # As the servers bind (SO_REUSEADDR, as tansu and uvicorn do): a port left in
    # TIME_WAIT by a stopped run is free for them, one still listened on is not.
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def holder(port: int) -> str:
    """Who listens on the port, when the system says."""
    with contextlib.suppress(psutil.Error):
        for connection in psutil.net_connections(kind="tcp"):
            if connection.status == psutil.CONN_LISTEN and connection.laddr and connection.laddr.port == port:
                if connection.pid is None:
                    return "another process"
                with contextlib.suppress(psutil.Error):
                    return f"pid {connection.pid} ({' '.join(psutil.Process(connection.pid).cmdline())[:120]})"
                return f"pid {connection.pid}"
    return "another process"


def check_ports_free(ports: Mapping[str, int], grace: float = 0) -> None:
    """Every part's port is free, or becomes free within `grace` seconds (a previous run
    still stopping); otherwise says which ports, whose, and who holds them."""
    deadline = time.monotonic() + grace
    while True:
        taken = {part: port for part, port in ports.items() if not port_is_free(port)}
        if not taken or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    if taken:
        raise PortInUse("port in use: " + "; ".join(
            f"{port} ({part}) is held by {holder(port)}" for part, port in taken.items()
        ) + ". Stop what holds it, or run beside it with `make run ARGS=--free-ports`.")


def check_database(postgres: Mapping[str, str] | None, data_dir: Path, timeout: float = 5) -> None:
    """PostgreSQL answers with the given settings, or (SQLite) the data directory is writable."""
    if postgres is None:
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            probe = data_dir / ".writable"
            probe.touch()
            probe.unlink()
        except OSError as error:
            raise DatabaseUnreachable(f"the data directory {data_dir} is not writable: {error}") from None
        return
    where = f"{postgres.get('POSTGRES_HOST')}:{postgres.get('POSTGRES_PORT', '5432')}"
    try:
        psycopg.connect(
            host=postgres.get("POSTGRES_HOST"), port=int(postgres.get("POSTGRES_PORT", "5432")),
            dbname=postgres.get("POSTGRES_DBNAME"), user=postgres.get("POSTGRES_USER"),
            password=postgres.get("POSTGRES_PASSWORD") or None, connect_timeout=max(1, int(timeout)),
        ).close()
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        raise DatabaseUnreachable(
            f"database unreachable: PostgreSQL at {where} (database {postgres.get('POSTGRES_DBNAME')}): {reason}"
        ) from None
