"""The Kubernetes manifests start every service, and only services that exist."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

from ecovid_stack.ports import MODULES

K8S = Path(__file__).resolve().parents[1] / "deploy" / "k8s"


def deployments() -> dict[str, list[str]]:
    found = {}
    for manifest in K8S.glob("*.yaml"):
        for document in yaml.safe_load_all(manifest.read_text()):
            if document and document["kind"] == "Deployment":
                container = document["spec"]["template"]["spec"]["containers"][0]
                found[document["metadata"]["name"]] = container["command"]
    return found


def test_one_deployment_per_service_running_its_module() -> None:
    commands = deployments()
    assert set(commands) == set(MODULES)
    for service, command in commands.items():
        assert command == ["python", "-m", MODULES[service]]
        assert importlib.util.find_spec(MODULES[service]) is not None
