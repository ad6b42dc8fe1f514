"""Ports of the embedded stack, fixed for `make run` or free ones for tests."""

from __future__ import annotations

import random
import socket
from dataclasses import dataclass

SERVICES = ("dossier", "ecovid-monitor", "alerting", "care-circle", "documents", "admissions", "gateway")
MODULES = {
    "dossier": "dossier",
    "ecovid-monitor": "ecovid_monitor",
    "alerting": "alerting",
    "care-circle": "care_circle",
    "documents": "documents",
    "admissions": "admissions",
    "gateway": "gateway",
}
# Front ends stand on the gateway's public API: started after it, and kept out of SERVICES and
# MODULES (the back end that the fault injection, the rebuilds, the operations tools and the
# Kubernetes manifests walk through).
FRONT_ENDS = {"web": "ecovid_web"}


@dataclass(frozen=True)
class Ports:
    kafka: int
    http: dict[str, int]
    mllp: int = 2575  # the HL7 MLLP listener of admissions
    smtp: int = 8025  # the development SMTP server (var/mailbox/)
    web: int = 8080  # the web front end (services/web)

    @classmethod
    def default(cls) -> Ports:
        return cls(kafka=9092, http={
            "gateway": 8000, "dossier": 8101, "ecovid-monitor": 8102,
            "alerting": 8103, "care-circle": 8104, "documents": 8105, "admissions": 8106,
        })

    @classmethod
    def free(cls) -> Ports:
        chosen: set[int] = set()
        while len(chosen) < len(SERVICES) + 4:
            chosen.add(free_port())
        kafka, mllp, smtp, web, *http = chosen
        return cls(
            kafka=kafka, http=dict(zip(SERVICES, http, strict=True)), mllp=mllp, smtp=smtp, web=web,
        )


# Below Linux's ephemeral range (32768-60999): a port the kernel hands out for outgoing
# connections (to PostgreSQL, to the broker) could be taken before a service binds it.
_FREE_RANGE = range(20000, 32768)


def free_port() -> int:
    for port in random.sample(_FREE_RANGE, 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise OSError("no free port between 20000 and 32767")
