"""Where the time goes: per-service request times and consumer activity, read from the JSON logs."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from ecovid_stack.bench.load import percentile


def from_logs(log_dir: Path) -> dict[str, Any]:
    requests: dict[str, list[float]] = defaultdict(list)
    consumed: dict[str, int] = defaultdict(int)
    for log in sorted(log_dir.glob("*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            entry = json.loads(line)
            if entry.get("event") == "request handled":
                requests[f"{entry['service']} {entry['method']} {_route(entry['path'])}"].append(entry["ms"])
            elif entry.get("event") == "events consumed":
                consumed[entry["consumer"]] += entry["applied"]
    return {
        "requests": {
            name: {"count": len(ms), "p50_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99)}
            for name, ms in sorted(requests.items()) if len(ms) >= 50
        },
        "events_consumed": dict(sorted(consumed.items())),
    }


def _route(path: str) -> str:
    parts = ["{id}" if len(part) == 36 and part.count("-") == 4 else part for part in path.split("/")]
    return "/".join(parts)
