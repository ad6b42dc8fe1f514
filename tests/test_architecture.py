"""The file tree is the architecture: services share only `shared/` packages, never each other's code."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICE_PACKAGES = {
    "dossier": "dossier", "ecovid-monitor": "ecovid_monitor", "alerting": "alerting",
    "care-circle": "care_circle", "documents": "documents", "gateway": "gateway", "web": "ecovid_web",
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_service_imports_another_service() -> None:
    offences = []
    for folder, package in SERVICE_PACKAGES.items():
        others = set(SERVICE_PACKAGES.values()) - {package}
        for source in (ROOT / "services" / folder).rglob("*.py"):
            for root in imported_roots(source) & others:
                offences.append(f"{source.relative_to(ROOT)} imports {root}")
    assert offences == []


def test_shared_packages_import_no_service() -> None:
    services = set(SERVICE_PACKAGES.values())
    offences = [
        f"{source.relative_to(ROOT)} imports {root}"
        for source in (ROOT / "shared").rglob("*.py")
        for root in imported_roots(source) & services
    ]
    assert offences == []


def test_the_check_sees_an_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from alerting.domain import alert\nimport dossier.application\n")
    assert imported_roots(sample) == {"alerting", "dossier"}
