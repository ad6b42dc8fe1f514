"""The Kubernetes manifests start every service, and only services that exist, and probe
liveness and readiness on the paths the services serve."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import yaml

from ecovid_platform.health import health_router

from ecovid_stack.ports import MODULES

K8S = Path(__file__).resolve().parents[1] / "deploy" / "k8s"


def containers() -> dict[str, dict[str, Any]]:
    found = {}
    for manifest in K8S.glob("*.yaml"):
        for document in yaml.safe_load_all(manifest.read_text()):
            if document and document["kind"] == "Deployment":
                found[document["metadata"]["name"]] = document["spec"]["template"]["spec"]["containers"][0]
    return found


def test_one_deployment_per_service_running_its_module() -> None:
    found = containers()
    assert set(found) == set(MODULES)
    for service, container in found.items():
        assert container["command"] == ["python", "-m", MODULES[service]]
        assert importlib.util.find_spec(MODULES[service]) is not None


def test_liveness_and_readiness_probes_ask_the_health_routes_on_the_service_port() -> None:
    """Break: probe readiness on /health/live (or liveness on a TCP socket, or a path the
    health router does not serve) in any manifest -> fails."""
    served = {route.path for route in health_router("any", {}).routes}  # type: ignore[attr-defined]
    assert {"/health/live", "/health/ready"} <= served
    for service, container in containers().items():
        port = container["ports"][0]["containerPort"]
        probes = {kind: container[kind]["httpGet"] for kind in ("startupProbe", "livenessProbe", "readinessProbe")}
        assert probes == {
            "startupProbe": {"path": "/health/live", "port": port},
            "livenessProbe": {"path": "/health/live", "port": port},
            "readinessProbe": {"path": "/health/ready", "port": port},
        }, service
        # A gateway waits a little longer than each service's own checks take.
        assert container["readinessProbe"]["timeoutSeconds"] >= 4, service
