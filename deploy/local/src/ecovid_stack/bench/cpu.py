"""CPU time per part of the stack over a phase of the bench, read from /proc.

On two cores every process of the stack, PostgreSQL, the broker and the load
generator compete for the same CPU: the CPU milliseconds each spends per reading
say where the throughput goes, better than request times (which include waiting).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ecovid_stack.stack import Stack

_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User and system time of a process and its reaped children."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # After the command: state is field 3, utime 14, stime 15 (1-based in proc(5)).
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in {"postgres", "postmaster"}:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@dataclass
class CpuMeter:
    """Snapshot before a phase, `per_item` after: CPU ms per item, part by part."""

    stack: Stack
    extra: dict[str, int] = field(default_factory=dict)  # name -> pid (load generator, baseline)
    _start: dict[str, float] = field(default_factory=dict)
    _postgres_start: dict[int, float] = field(default_factory=dict)

    def _parts(self) -> dict[str, int]:
        parts = {name: p.pid for name, p in self.stack.processes.items()}
        if self.stack.broker is not None:
            parts["broker"] = self.stack.broker.pid
        return {**parts, **self.extra}

    def start(self) -> None:
        self._start = {name: _cpu_seconds(pid) for name, pid in self._parts().items()}
        self._postgres_start = {pid: _cpu_seconds(pid) for pid in _postgres_pids()}

    def per_item(self, items: int, wall_seconds: float) -> dict[str, object]:
        spent = {name: _cpu_seconds(pid) - self._start.get(name, 0.0) for name, pid in self._parts().items()}
        # Backends that came and went during the phase are not counted: pools keep theirs.
        spent["postgresql"] = sum(
            _cpu_seconds(pid) - self._postgres_start.get(pid, 0.0) for pid in _postgres_pids()
        )
        total = sum(spent.values())
        return {
            "cpu_ms_per_reading": {
                name: round(seconds * 1000 / max(items, 1), 2)
                for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1])
            },
            "cpu_ms_per_reading_total": round(total * 1000 / max(items, 1), 2),
            "cores_busy": round(total / wall_seconds, 2) if wall_seconds else None,
        }
