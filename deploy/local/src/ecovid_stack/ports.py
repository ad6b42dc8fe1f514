"""Ports of the embedded stack, fixed for `make run` or free ones for tests."""

from __future__ import annotations

import socket
from dataclasses import dataclass

SERVICES = ("dossier", "ecovid-monitor", "alerting", "care-circle", "documents", "gateway")
MODULES = {
    "dossier": "dossier",
    "ecovid-monitor": "ecovid_monitor",
    "alerting": "alerting",
    "care-circle": "care_circle",
    "documents": "documents",
    "gateway": "gateway",
}


@dataclass(frozen=True)
class Ports:
    kafka: int
    http: dict[str, int]

    @classmethod
    def default(cls) -> "Ports":
        return cls(kafka=9092, http={
            "gateway": 8000, "dossier": 8101, "ecovid-monitor": 8102,
            "alerting": 8103, "care-circle": 8104, "documents": 8105,
        })

    @classmethod
    def free(cls) -> "Ports":
        return cls(kafka=free_port(), http={name: free_port() for name in SERVICES})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
