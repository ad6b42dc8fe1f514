"""`make run`'s supervisor as a newcomer meets it: the README's curl walkthrough, Ctrl-C, a dying part."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def start(data_dir: Path) -> tuple[subprocess.Popen[str], str, dict[str, int]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "ECOVID_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "ecovid_stack", "run", "--free-ports", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
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


@pytest.fixture
def stack(tmp_path: Path):
    process, gateway, children = start(tmp_path / "data")
    yield process, gateway, children
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(60)


def test_readme_walkthrough_works_and_ctrl_c_stops_everything(stack) -> None:
    process, gateway, children = stack
    script = readme_walkthrough().replace("http://127.0.0.1:8000", gateway)
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert '"overall_level":"alert"' in result.stdout
    assert '"kind":"threshold"' in result.stdout, "the alert was not visible when the walkthrough asked"

    process.send_signal(signal.SIGINT)
    assert process.wait(60) == 0
    for pid in children.values():
        assert not _alive(pid), f"child {pid} still running after Ctrl-C"


def test_a_dying_part_stops_the_stack_with_a_failure(stack) -> None:
    process, _, children = stack
    os.kill(children["alerting"], signal.SIGKILL)
    assert process.wait(60) != 0
    for pid in children.values():
        assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead but not yet reaped by its (finished) parent.
    return Path(f"/proc/{pid}/status").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()
