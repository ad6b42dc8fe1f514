"""SIGTERM (what the supervisor and Kubernetes send) stops every service cleanly, with exit 0."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.support import ADMIN, Api, start_stack


def test_sigterm_drains_every_service_and_exits_zero(tmp_path: Path) -> None:
    stack = start_stack(tmp_path, None)
    try:
        admin = Api.login(stack.url("gateway"), ADMIN["username"], ADMIN["password"])
        admin.structure()  # the gateway's clients to the services are open now
    finally:
        stack.stop()
    assert {name: p.returncode for name, p in stack.processes.items()} == dict.fromkeys(stack.processes, 0)
    for service in stack.processes:
        lines = (tmp_path / "logs" / f"{service}.log").read_text().splitlines()
        stopped = [json.loads(line) for line in lines if '"service stopped"' in line]
        assert [entry["failed"] for entry in stopped] == [0], service
