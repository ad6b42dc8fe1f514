"""`python -m ecovid_stack.bench.rebuild`: rebuild speed of every read model, in events per second.

Starts the stack on a fresh PostgreSQL database, drives alarming readings through the
gateway (each one: a reading, a breach, an alert), waits until every alert is visible,
then rebuilds each read model of each service with `ecovid-ops`' engine while the stack
runs (shadow tables, then the swap) and times the replay. Writes bench-results/rebuild.json.

Baseline, measured in the same run just before (after a warm-up pass) and just after each
service's rebuilds (the mean of the two): every stored event of the service read back and
decoded, in the rebuild's batches, with eventsourcing's recorder and mapper as the rebuild
does, and nothing else (no translation, no write). Any replay of the log pays that much; the
ratio (rebuild events/s over baseline events/s) is how close a rebuild comes to that floor,
and it moves far less than either figure with the machine's load (both are CPU-bound). A
read model fed from topics only is still compared with its service's own log. Since the
rebuild decodes most stored events the light way (ecovid_platform.light), it can pass that
floor: a ratio above 1.

Before/after in the same run: the alert list and the monitoring lists are rebuilt a second
time with no light decoder (every stored event through the mapper and `translate`, as before
the light path), between the same baselines. The 1-minute load average is recorded around
each service's rebuilds: this machine's two cores are shared.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ecovid_stack.bench.__main__ import ADMIN, machine, stack_on_a_new_database
from ecovid_stack.bench.load import closed_loop
from ecovid_stack.bench.pipeline import Clinic
from ecovid_stack.stack import Stack

TARGET = 20_000  # events/s, for the alert list and the monitoring lists
TARGETED = {("alerting", "alerts"), ("ecovid-monitor", "lists")}


async def seed(stack: Stack, readings: int, patients: int) -> int:
    clinic = await Clinic.open(stack.url("gateway"), ADMIN, patients=patients, tag="rebuild")
    try:
        run = await closed_loop(clinic.send, readings, 16)
        deadline = time.monotonic() + 300
        while (count := await clinic.alert_count()) < readings - run.errors and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        return count
    finally:
        await clinic.aclose()


def decode_only(catalogue: Any, settings: Any, batch_size: int = 5000) -> dict[str, Any]:
    """The baseline: every stored event of the service read back and decoded, nothing else."""
    from ecovid_platform.rebuild.engine import open_service

    storage, app = open_service(catalogue, settings)
    try:
        started, position, events = time.perf_counter(), 0, 0
        last = app.recorder.max_notification_id() or 0
        while position < last:
            notifications = app.recorder.select_notifications(
                position, min(batch_size, last - position), stop=last, inclusive_of_start=False)
            if not notifications:
                break
            for notification in notifications:
                app.mapper.to_domain_event(notification)
            events += len(notifications)
            position = notifications[-1].id
        seconds = time.perf_counter() - started
    finally:
        app.close()
        storage.engine.dispose()
    rate = round(events / seconds) if seconds else None
    return {"events": events, "seconds": round(seconds, 3), "events_per_second": rate}


def rebuild_all(stack: Stack) -> list[dict[str, Any]]:
    from ecovid_ops.services import SERVICES

    from ecovid_platform.rebuild.engine import rebuild
    from ecovid_platform.settings import ServiceSettings

    results = []
    for service in SERVICES.values():
        if service.read_models is None:
            continue
        saved = dict(os.environ)
        os.environ.update(stack.service_env(service.name))
        try:
            catalogue = service.rebuildable()
            decode_only(catalogue, ServiceSettings())  # warms the connection and caches, as a rebuild finds them
            load = [round(os.getloadavg()[0], 2)]
            before = decode_only(catalogue, ServiceSettings())
            outcomes = asyncio.run(rebuild(catalogue, None, ServiceSettings()))
            targeted = [m.name for m in catalogue.read_models if (service.name, m.name) in TARGETED]
            long_way = asyncio.run(rebuild(dataclasses.replace(catalogue, light={}), targeted, ServiceSettings())
                                   ) if targeted else []
            after = decode_only(catalogue, ServiceSettings())
            load.append(round(os.getloadavg()[0], 2))
        finally:
            os.environ.clear()
            os.environ.update(saved)
        rates = [b["events_per_second"] for b in (before, after) if b["events_per_second"]]
        baseline = round(sum(rates) / len(rates)) if rates else None
        without_light = {o.read_model: o for o in long_way}
        for o in outcomes:
            old = without_light.get(o.read_model)
            results.append({
                "service": o.service, "read_model": o.read_model, "own_events": o.own_events,
                "consumed_events": o.consumed_events, "records_read": o.records_read,
                "rows": sum(o.rows.values()), "replay_seconds": round(o.replay_seconds, 3),
                "events_per_second": round(o.events_per_second),
                "own_events_per_second": round(o.own_events / o.own_seconds) if o.own_seconds else None,
                "total_seconds_with_swap": round(o.seconds, 3),
                "target_events_per_second": TARGET if (o.service, o.read_model) in TARGETED else None,
                "baseline": {"kind": "decode-only read of the service's stored events", "before": before,
                             "after": after, "events_per_second": baseline},
                "ratio_to_baseline": round(o.events_per_second / baseline, 3) if baseline else None,
                "light_events": o.light_events, "long_way_events": o.long_way,
                "without_light": None if old is None else {
                    "events_per_second": round(old.events_per_second),
                    "ratio_to_baseline": round(old.events_per_second / baseline, 3) if baseline else None},
                "speed_up": round(o.events_per_second / old.events_per_second, 2) if old else None,
                "load_average_1min": load,
            })
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readings", type=int, default=10_000)
    parser.add_argument("--patients", type=int, default=200)
    args = parser.parse_args()
    with stack_on_a_new_database("ecovid_rebuild_bench") as (stack, _):
        alerts = asyncio.run(seed(stack, args.readings, args.patients))
        read_models = rebuild_all(stack)
    results = {"machine": machine(), "at": datetime.now(UTC).isoformat(), "database": "postgresql",
               "readings_sent": args.readings, "alerts_visible": alerts, "read_models": read_models}
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "rebuild.json").write_text(json.dumps(results, indent=2) + "\n")
    for r in read_models:
        target = f"  (target {r['target_events_per_second']:,})" if r["target_events_per_second"] else ""
        baseline = r["baseline"]["events_per_second"] or 0
        print(f"{r['service']:>15} {r['read_model']:<10} {r['own_events'] + r['consumed_events']:>7} events "
              f"in {r['replay_seconds']:>6.2f} s: {r['events_per_second']:>8,} events/s "
              f"(own events alone: {r['own_events_per_second'] or 0:>8,}/s; decode-only baseline "
              f"{baseline:>7,}/s, ratio {r['ratio_to_baseline'] or 0:.2f}){target}")
        if r["without_light"]:
            print(f"{'':>15} {'':<10} without the light path: {r['without_light']['events_per_second']:>8,} events/s "
                  f"(ratio {r['without_light']['ratio_to_baseline'] or 0:.2f}); speed-up {r['speed_up']}; "
                  f"load average {r['load_average_1min']}")


if __name__ == "__main__":
    main()
