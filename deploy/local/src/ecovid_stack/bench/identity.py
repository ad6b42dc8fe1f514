"""`python -m ecovid_stack.bench.identity`: what the topic identity check costs the alert path.

ECOVID_CONSUMER_TOPIC_IDENTITY_CHECK makes every consumer compare, before a batch reads past
its last applied record, that record's event id with what the broker holds at that offset
(a database read and a broker round trip), so a re-created topic is noticed. Measured here
as reading → alert visible at 50 readings/s (the pipeline bench's latency phase) on one
stack, every service restarted with the check off, then on, then off and on again (runs
alternate, so a drift of the machine's load falls on both sides); each run's baseline is
the trivial endpoint at the same rate, as in the pipeline bench. Writes
bench-results/identity.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ecovid_stack.bench.__main__ import ADMIN, machine, stack_on_a_new_database
from ecovid_stack.bench.pipeline import latency, start_baseline
from ecovid_stack.ports import SERVICES
from ecovid_stack.stack import Stack

CHECK = "ECOVID_CONSUMER_TOPIC_IDENTITY_CHECK"


def restart_every_service(stack: Stack, check: bool) -> None:
    """Every service again with the check on or off (the broker and the data stay)."""
    stack.config.env[CHECK] = "true" if check else "false"
    for service in reversed(SERVICES):  # the gateway first: it forwards to the others
        stack.stop_service(service)
    for service in SERVICES:
        stack.start_service(service)
    for service in SERVICES:
        stack.wait_healthy(service, 300)  # a loaded machine starts Python slowly


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def run(stack: Stack, rounds: int, seconds: float) -> list[dict[str, Any]]:
    process, baseline = start_baseline()
    runs = []
    try:
        for n in range(rounds):
            for check in (False, True):
                restart_every_service(stack, check)
                load_before = load_average()
                tag = f"identity-{chr(ord('a') + n)}-{'on' if check else 'off'}"  # letters: a last name
                figures = asyncio.run(latency(stack, ADMIN, baseline, rate=50, seconds=seconds, tag=tag))
                runs.append({"round": n + 1, "identity_check": check,
                             "load_average_1min": [load_before, load_average()], **figures})
                print(f"round {n + 1}, check {'on ' if check else 'off'}: alert p50 "
                      f"{figures['alert_latency_p50_ms']} ms, p99 {figures['alert_latency_p99_ms']} ms "
                      f"({figures['alerts_seen']}/{figures['readings']} seen; load {load_before})", flush=True)
    finally:
        process.terminate()
        process.wait()
    return runs


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median over rounds of each side, and on / off ratios."""
    side = {check: [r for r in runs if r["identity_check"] is check] for check in (False, True)}
    out: dict[str, Any] = {}
    for key in ("alert_latency_p50_ms", "alert_latency_p99_ms", "request_p50_ms", "baseline_p50_ms"):
        off, on = (round(statistics.median(r[key] for r in side[c]), 1) for c in (False, True))
        out[key] = {"off": off, "on": on, "ratio_on_to_off": round(on / off, 3) if off else None}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    with stack_on_a_new_database("ecovid_identity_bench") as (stack, _):
        runs = run(stack, args.rounds, args.seconds)
    results = {"machine": machine(), "at": datetime.now(UTC).isoformat(), "database": "postgresql",
               "rate_per_second": 50, "runs": runs, "summary": summary(runs)}
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "identity.json").write_text(json.dumps(results, indent=2) + "\n")
    for key, figures in results["summary"].items():
        print(f"{key:>22}: off {figures['off']:>7} ms, on {figures['on']:>7} ms, on/off {figures['ratio_on_to_off']}")


if __name__ == "__main__":
    main()
