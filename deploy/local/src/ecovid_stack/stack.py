"""Starts, watches and stops the broker and every service as child processes.

Used by `make run`, by the integration tests (free ports, their own broker and
database) and by `make bench`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ecovid_stack.broker import start_broker
from ecovid_stack.ports import MODULES, SERVICES, Ports


@dataclass
class StackConfig:
    ports: Ports
    data_dir: Path
    postgres: dict[str, str] | None = None
    env: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None  # None: children write to this terminal


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.broker: subprocess.Popen[bytes] | None = None
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.config.ports.kafka}"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.config.ports.http[service]}"

    def start(self, timeout: float = 60) -> None:
        log_dir = self.config.log_dir or self.config.data_dir
        self.broker = start_broker(self.config.ports.kafka, log_dir / "broker.log")
        for service in SERVICES:
            self.start_service(service)
        for service in SERVICES:
            self.wait_healthy(service, timeout)

    def service_env(self, service: str) -> dict[str, str]:
        env = {**os.environ, **self.config.env}
        env.update({
            "ECOVID_HTTP_PORT": str(self.config.ports.http[service]),
            "ECOVID_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "ECOVID_DATA_DIR": str(self.config.data_dir),
        })
        env.update(self.config.postgres or {})
        if service == "gateway":
            for other in SERVICES:
                env[f"ECOVID_{other.upper().replace('-', '_')}_URL"] = self.url(other)
        return env

    def start_service(self, service: str) -> None:
        output = None
        if self.config.log_dir is not None:
            self.config.log_dir.mkdir(parents=True, exist_ok=True)
            output = (self.config.log_dir / f"{service}.log").open("ab")
        self.processes[service] = subprocess.Popen(
            [sys.executable, "-m", MODULES[service]],
            env=self.service_env(service), stdout=output, stderr=subprocess.STDOUT if output else None,
        )

    def wait_healthy(self, service: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            process = self.processes[service]
            if process.poll() is not None:
                raise RuntimeError(f"{service} exited with {process.returncode} while starting")
            try:
                if httpx.get(f"{self.url(service)}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{service} not healthy after {timeout}s")

    def kill(self, service: str) -> None:
        """SIGKILL: the service gets no chance to flush or commit anything."""
        process = self.processes[service]
        process.send_signal(signal.SIGKILL)
        process.wait()

    def restart(self, service: str, timeout: float = 60) -> None:
        self.start_service(service)
        self.wait_healthy(service, timeout)

    def failed(self) -> str | None:
        """The first child that died, if any."""
        if self.broker is not None and self.broker.poll() is not None:
            return "broker"
        for service, process in self.processes.items():
            if process.poll() is not None:
                return service
        return None

    def stop(self, timeout: float = 15) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.broker is not None and self.broker.poll() is None:
            self.broker.terminate()
            self.broker.wait(timeout)
