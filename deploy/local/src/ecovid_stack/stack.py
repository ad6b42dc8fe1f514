"""Starts, watches and stops the broker and every service as child processes.

Used by `make run`, by the integration tests (free ports, their own broker and
database) and by `make bench`. Before starting anything it checks that every port is
free and the database answers; a part that cannot start is reported with its cause
(and the end of its log), not as a service that happened to die next to it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ecovid_events import topics

from ecovid_stack import broker as tansu
from ecovid_stack import mailbox
from ecovid_stack.causes import StackError, check_database, check_ports_free, tail
from ecovid_stack.ports import FRONT_ENDS, MODULES, SERVICES, Ports

_PRODUCED = (topics.DOSSIER, topics.ECOVID_MONITOR, topics.ALERTING, topics.CARE_CIRCLE, topics.DOCUMENTS,
             topics.GATEWAY_AUDIT, topics.ADMISSIONS, topics.HOSPITAL_ADMISSIONS, topics.HOSPITAL_ADT_HL7V2)
# Every topic a service of the stack writes to: its own and the dead letters of what it reads
# (the hospitals' topics too: the MLLP listener writes to one, and hospitals to both).
# And the operators' topic every service writes its chain's checkpoints to (read by no consumer).
PLATFORM_TOPICS = (*_PRODUCED, *(topics.dead_letter(t) for t in _PRODUCED), topics.OPS_CHECKPOINTS)


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
        self.smtp: Any = None  # the development SMTP server, in this process

    @property
    def mailbox(self) -> Path:
        """Where the development SMTP server stores each mail as an .eml file."""
        return self.config.data_dir / "mailbox"

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.config.ports.kafka}"

    @property
    def broker_log(self) -> Path:
        return (self.config.log_dir or self.config.data_dir) / "broker.log"

    def url(self, service: str) -> str:
        port = self.config.ports.web if service == "web" else self.config.ports.http[service]
        return f"http://127.0.0.1:{port}"

    def start(self, timeout: float = 60, port_grace: float = 0) -> None:
        """Broker, then every service; returns once each answers ready (the gateway last).

        Starts only what is not running, so it also starts a stopped stack again on the
        same data (the broker comes back empty).
        """
        wanted = {} if self._broker_running() else {"broker": self.config.ports.kafka}
        wanted |= {s: self.config.ports.http[s] for s in SERVICES if not self._running(s)}
        if not self._running("admissions"):
            wanted["admissions (MLLP)"] = self.config.ports.mllp
        if self.smtp is None:
            wanted["development SMTP server"] = self.config.ports.smtp
        check_ports_free(wanted, grace=port_grace)
        check_database(self.config.postgres, self.config.data_dir)
        if not self._broker_running():
            self.start_broker()
        if self.smtp is None:
            self.smtp = mailbox.start(self.mailbox, self.config.ports.smtp)
        for service in SERVICES:
            if not self._running(service):
                self.start_service(service)
        deadline = time.monotonic() + timeout
        for service in SERVICES:
            self.wait_healthy(service, max(1.0, deadline - time.monotonic()))

    def start_web(self, timeout: float = 30, port_grace: float = 0) -> None:
        """The web front end, once the gateway it stands on is up; ready when it answers ready
        (its own /health/ready asks the gateway's)."""
        if self._running("web"):
            return
        check_ports_free({"web": self.config.ports.web}, grace=port_grace)
        self.start_service("web")
        self.wait_healthy("web", timeout)

    def stop_web(self) -> None:
        """Stopped and forgotten: a front end stopped on purpose is not a part that died."""
        if "web" in self.processes:
            self.stop_service("web")
            del self.processes["web"]

    def start_broker(self, timeout: float = 20) -> None:
        """tansu on the stack's port, returning once it accepts connections. It starts empty."""
        if self._broker_running():
            raise StackError("the broker is already running")
        check_ports_free({"broker": self.config.ports.kafka}, grace=5)
        self.broker = tansu.start_broker(self.config.ports.kafka, self.broker_log, timeout)
        tansu.create_topics(self.kafka_bootstrap, PLATFORM_TOPICS)

    def stop_broker(self) -> None:
        if self.broker is not None:
            tansu.stop_broker(self.broker)

    def restart_broker(self, timeout: float = 20) -> None:
        """Stops the broker and starts an empty one on the same port (what a development
        broker does on restart, or a cluster restored from nothing)."""
        self.stop_broker()
        self.start_broker(timeout)

    def service_env(self, service: str) -> dict[str, str]:
        env = {**os.environ, **self.config.env}
        if service in FRONT_ENDS:
            # Only the public API: a front end is given the gateway's address and nothing else.
            env.update({"ECOVID_WEB_PORT": str(self.config.ports.web), "ECOVID_GATEWAY_URL": self.url("gateway")})
            return env
        env.update({
            "ECOVID_HTTP_PORT": str(self.config.ports.http[service]),
            "ECOVID_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "ECOVID_DATA_DIR": str(self.config.data_dir),
        })
        env.update(self.config.postgres or {})
        if service == "admissions":
            env["ECOVID_MLLP_PORT"] = str(self.config.ports.mllp)
        if service == "gateway":
            for other in SERVICES:
                env[f"ECOVID_{other.upper().replace('-', '_')}_URL"] = self.url(other)
            # The invitation mail links to the web's activation page.
            env.setdefault("ECOVID_PORTAL_ACTIVATION_URL", f"{self.url('web')}/portal/activate")
        if service == "alerting":
            # Unless the environment names a real server and provider: the development ones.
            env.setdefault("ECOVID_SMTP_HOST", "127.0.0.1")
            env.setdefault("ECOVID_SMTP_PORT", str(self.config.ports.smtp))
            if "ECOVID_SMS_URL" not in env:
                env.setdefault("ECOVID_SMS_DIR", str(self.config.data_dir / "sms"))
            env["ECOVID_CARE_CIRCLE_URL"] = self.url("care-circle")
            env.setdefault("ECOVID_PUBLIC_URL", self.url("gateway"))
        return env

    def log_file(self, service: str) -> Path | None:
        return None if self.config.log_dir is None else self.config.log_dir / f"{service}.log"

    def start_service(self, service: str) -> None:
        output = None
        log_file = self.log_file(service)
        if log_file is not None:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            output = log_file.open("ab")
        try:
            self.processes[service] = subprocess.Popen(
                [sys.executable, "-m", FRONT_ENDS.get(service) or MODULES[service]],
                env=self.service_env(service), stdout=output, stderr=subprocess.STDOUT if output else None,
            )
        finally:
            if output is not None:
                output.close()  # the child has its own copy

    def wait_healthy(self, service: str, timeout: float = 60) -> None:
        """Until the service answers `GET /health/ready` with 200: a request would succeed."""
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            process = self.processes[service]
            if process.poll() is not None:
                raise StackError(self._why_it_died(service, "while starting"))
            try:
                answer = httpx.get(f"{self.url(service)}/health/ready", timeout=5)
                if answer.status_code == 200:
                    return
                last = answer.json().get("detail", answer.text[:300])
            except (httpx.HTTPError, ValueError) as error:
                last = f"{type(error).__name__}: {error}"
            time.sleep(0.1)
        raise StackError(f"{service} not ready after {timeout:.0f}s: {last}")

    def kill(self, service: str) -> None:
        """SIGKILL: the service gets no chance to flush or commit anything."""
        process = self.processes[service]
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop_service(self, service: str, timeout: float = 15, *, signalled: bool = False) -> int:
        """SIGTERM, as Kubernetes sends it (once: a second one, landing after the process has
        put its signal handlers away, would kill it mid-exit), and wait for the exit (SIGKILL
        after `timeout`)."""
        process = self.processes[service]
        if process.poll() is None:
            if not signalled:
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode

    def restart(self, service: str, timeout: float = 60) -> None:
        self.start_service(service)
        self.wait_healthy(service, timeout)

    def failed(self) -> str | None:
        """The first child that died, if any (the broker first: services die of its death)."""
        if self.broker is not None and self.broker.poll() is not None:
            return "broker"
        for service, process in self.processes.items():
            if process.poll() is not None:
                return service
        return None

    def cause(self, part: str) -> str:
        """What is known of why `part` died: its exit status and the end of its log."""
        if part == "broker":
            code = self.broker.returncode if self.broker is not None else None
            return f"the broker exited with {code}; the end of {self.broker_log}:\n{tail(self.broker_log)}"
        return self._why_it_died(part, "")

    def stop(self, timeout: float = 15) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for service in self.processes:
            self.stop_service(service, timeout, signalled=True)
        self.stop_broker()
        if self.smtp is not None:
            self.smtp.stop()
            self.smtp = None

    def _running(self, service: str) -> bool:
        process = self.processes.get(service)
        return process is not None and process.poll() is None

    def _broker_running(self) -> bool:
        return self.broker is not None and self.broker.poll() is None

    def _why_it_died(self, service: str, when: str) -> str:
        what = f"{service} exited with {self.processes[service].returncode}" + (f" {when}" if when else "")
        if self.broker is not None and self.broker.poll() is not None:
            return f"{what}, after the broker died: {self.cause('broker')}"
        log_file = self.log_file(service)
        return what + (f"; the end of {log_file}:\n{tail(log_file)}" if log_file else " (its output is above)")
