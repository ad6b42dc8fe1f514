"""`python -m ecovid_stack.bench`: start the stack on a fresh PostgreSQL database and measure."""

from __future__ import annotations

import json
import os
import platform
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from ecovid_stack.bench import pipeline, profile
from ecovid_stack.ports import Ports
from ecovid_stack.stack import Stack, StackConfig

ADMIN = {"username": "bench-admin@example.org", "password": "bench admin password"}


def postgres() -> dict[str, str]:
    return {
        "POSTGRES_HOST": os.environ.get("POSTGRES_HOST", "127.0.0.1"),
        "POSTGRES_PORT": os.environ.get("POSTGRES_PORT", "5432"),
        "POSTGRES_USER": os.environ.get("POSTGRES_USER", "postgres"),
        "POSTGRES_PASSWORD": os.environ.get("POSTGRES_PASSWORD", ""),
    }


def machine() -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "0")
    return {"cpu": model, "cores": os.cpu_count(), "memory_gib": round(int(memory) / 1024 / 1024, 1),
            "python": platform.python_version(), "os": platform.platform()}


@contextmanager
def stack_on_a_new_database(prefix: str) -> Iterator[tuple[Stack, Path]]:
    """The stack, started, on a PostgreSQL database of its own (dropped afterwards); and its work
    directory, where every part writes its log."""
    settings = postgres()
    database = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin_dsn = {"host": settings["POSTGRES_HOST"], "port": int(settings["POSTGRES_PORT"]),
                 "user": settings["POSTGRES_USER"], "password": settings["POSTGRES_PASSWORD"] or None,
                 "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**admin_dsn) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    work = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
    stack = Stack(StackConfig(
        ports=Ports.free(), data_dir=work / "data", log_dir=work / "logs",
        postgres={**settings, "POSTGRES_DBNAME": database},
        env={"ECOVID_ADMIN_EMAIL": ADMIN["username"], "ECOVID_ADMIN_PASSWORD": ADMIN["password"],
             "ECOVID_LOG_JSON": "true"},
    ))
    try:
        stack.start(timeout=120)
        yield stack, work
    finally:
        stack.stop()
        with psycopg.connect(**admin_dsn) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def main() -> None:
    with stack_on_a_new_database("ecovid_bench") as (stack, work):
        results = {"machine": machine(), "at": datetime.now(UTC).isoformat(),
                   **pipeline.run_all(stack, ADMIN, work / "logs")}
    results["profile"] = profile.from_logs(work / "logs")
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "pipeline.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
