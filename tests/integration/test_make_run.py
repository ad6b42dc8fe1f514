"""`make run` as a newcomer meets it: the README's curl walkthrough, Ctrl-C, a dying part.

Run through `make run ARGS=--free-ports` itself (data in a temporary ECOVID_DATA_DIR instead of var/),
on SQLite and once on PostgreSQL (POSTGRES_* naming a new database), and stopped the way a terminal's
Ctrl-C does it: SIGINT to the whole process group, make included.
Break: ServiceSettings.uses_postgres always False (services on SQLite whatever POSTGRES_* says)
-> the PostgreSQL case finds no service schema in its database, fails.
Break: ecovid_stack's `finally: stack.stop()` left out -> the services outlive Ctrl-C, fails."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from tests.integration.support import create_database, drop_database

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def start(data_dir: Path, postgres: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str, dict[str, int]]:
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "ECOVID_"))}
    env |= {"ECOVID_DATA_DIR": str(data_dir), **(postgres or {})}
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", "ARGS=--free-ports"], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=(data_dir.parent / "make-run.stderr").open("w"), text=True, env=env,
        start_new_session=True,
    )
    children: dict[str, int] = {}
    deadline = time.monotonic() + 120
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("processes:"):
            children = {k: int(v) for k, v in (item.split("=") for item in line.split()[1:])}
        if match := re.search(r"gateway on (http://\S+)", line):
            return process, match.group(1), children
        assert time.monotonic() < deadline, "the stack did not start in time"
    raise AssertionError(f"the stack exited with {process.wait()} before it was ready")


def readme_walkthrough() -> str:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.DOTALL)
    return next(block for block in blocks if "G=http://127.0.0.1:8000/api/v1" in block)


def ctrl_c(process: subprocess.Popen[str]) -> None:
    """What a terminal does on Ctrl-C: SIGINT to the foreground process group (make and the stack)."""
    os.killpg(process.pid, signal.SIGINT)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest):
    if request.param == "sqlite":
        yield None
        return
    settings = create_database()
    yield settings
    drop_database(settings)


@pytest.fixture
def stack(tmp_path: Path, database: dict[str, str] | None):
    process, gateway, children = start(tmp_path / "data", database)
    yield process, gateway, children
    if process.poll() is None:
        ctrl_c(process)
        process.wait(60)


def test_readme_walkthrough_works_and_ctrl_c_stops_everything(
    stack, database: dict[str, str] | None, tmp_path: Path,
) -> None:
    process, gateway, children = stack
    script = readme_walkthrough().replace("http://127.0.0.1:8000", gateway)
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert '"overall_level":"alert"' in result.stdout
    assert '"kind":"threshold"' in result.stdout, "the alert was not visible when the walkthrough asked"

    if database is None:
        assert list((tmp_path / "data").glob("*.sqlite3")), "no SQLite file in ECOVID_DATA_DIR"
    else:
        assert "alerting" in _schemas(database), "the stack did not write to the PostgreSQL database given"

    ctrl_c(process)
    process.wait(60)  # make's own status says "interrupted" whatever the stack's: not asserted
    for pid in children.values():
        assert not _alive(pid), f"child {pid} still running after Ctrl-C"
    said = (tmp_path / "make-run.stderr").read_text()
    assert "died: stopping the stack" not in said and "the stack did not start" not in said, said


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_dying_part_stops_the_stack_with_a_failure(stack, tmp_path: Path) -> None:
    process, _, children = stack
    os.kill(children["alerting"], signal.SIGKILL)
    assert process.wait(60) != 0
    assert "alerting died: stopping the stack" in (tmp_path / "make-run.stderr").read_text()
    for pid in children.values():
        assert not _alive(pid)


def _schemas(settings: dict[str, str]) -> set[str]:
    with psycopg.connect(host=settings["POSTGRES_HOST"], port=int(settings["POSTGRES_PORT"]),
                         user=settings["POSTGRES_USER"], password=settings["POSTGRES_PASSWORD"] or None,
                         dbname=settings["POSTGRES_DBNAME"]) as connection:
        return {row[0] for row in connection.execute("SELECT schema_name FROM information_schema.schemata")}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead but not yet reaped by its (finished) parent.
    return Path(f"/proc/{pid}/status").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()
