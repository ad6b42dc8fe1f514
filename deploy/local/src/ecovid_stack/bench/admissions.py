"""`python -m ecovid_stack.bench.admissions`: hospital admissions on the stack, on PostgreSQL.

1. MLLP: A01 messages acknowledged per second over 4 connections (each waits for its ACK
   before sending the next, as MLLP senders do); every AA means the message is on
   `hospital.adt.hl7v2` with acks=all.
2. Admission message -> `hospitalised` alert visible through the public API: a JSON admission
   written to `hospital.admissions` for an enrolled patient, then the alert list polled every
   10 ms until the alert shows; p50/p99 over the samples.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from ecovid_events import topics

from ecovid_stack.bench.__main__ import ADMIN, machine, stack_on_a_new_database
from ecovid_stack.bench.load import percentile
from ecovid_stack.bench.pipeline import Clinic, _letters
from ecovid_stack.stack import Stack

FINESS = "330781196"
CONNECTIONS = 4
PER_CONNECTION = 1500
SAMPLES = 60


def a01(n: int, connection: int) -> bytes:
    return "\r".join([
        f"MSH|^~\\&|BENCH|CH^{FINESS}^FINESS|ECOVID|ECOVID|20261130082000||ADT^A01|B{connection}-{n}|P|2.5|||||FRA|8859/1",
        "EVN||20261130082000",
        f"PID|1||{n}^^^CH&1.2.250.1.71.4.2.1&ISO^PI||BENCH^MLLP^^^^^L||19400101|M",
        f"PV1|1|I|UNIT||||||||||||||||BV{connection}-{n}|||||||||||||||||||||||||20261130081500|",
        f"ZBE|BM{connection}-{n}^CH|20261130081500||INSERT|N",
    ]).encode("iso-8859-1")


async def mllp_throughput(port: int) -> dict[str, Any]:
    async def connection(number: int) -> dict[str, int]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        codes: dict[str, int] = {}
        for n in range(PER_CONNECTION):
            writer.write(b"\x0b" + a01(n, number) + b"\x1c\r")
            await writer.drain()
            block = await reader.readuntil(b"\x1c\r")
            code = block.split(b"MSA|", 1)[1][:2].decode()
            codes[code] = codes.get(code, 0) + 1
        writer.close()
        return codes

    await asyncio.gather(*(connection(c) for c in range(CONNECTIONS)))  # warm-up pass (producer, caches)
    started = time.perf_counter()
    results = await asyncio.gather(*(connection(c + CONNECTIONS) for c in range(CONNECTIONS)))
    elapsed = time.perf_counter() - started
    codes = {k: sum(r.get(k, 0) for r in results) for k in ("AA", "AE", "AR")}
    total = CONNECTIONS * PER_CONNECTION
    return {"connections": CONNECTIONS, "messages": total, "seconds": round(elapsed, 2),
            "acknowledged_per_second": round(total / elapsed), "codes": codes}


async def admission_to_alert(stack: Stack) -> dict[str, Any]:
    clinic = await Clinic.open(stack.url("gateway"), ADMIN, SAMPLES, "admissions")
    patients = [str((await clinic.client.get(f"/api/v1/care-episodes/{e}")).json()["patient_id"])
                for e in clinic.episodes]
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, acks="all")
    await producer.start()
    latencies = []
    try:
        for n, patient in enumerate(patients):
            message = {
                "event_id": str(uuid.uuid4()), "event_type": "PatientHospitalised",
                "occurred_at": datetime.now(UTC).isoformat(),
                "hospital": {"finess": FINESS, "name": "CH Bench"},
                # The names Clinic.open gave, as a hospital would write them.
                "patient": {"last_name": "BENCH ADMISSIONS", "first_name": _letters(n).upper(),
                            "birth_date": "1955-05-05"},
                "visit_number": f"LAT-{n}", "admitted_at": datetime.now(UTC).isoformat(),
            }
            started = time.perf_counter()
            await producer.send_and_wait(topics.HOSPITAL_ADMISSIONS, json.dumps(message).encode(),
                                         key=FINESS.encode())
            while True:
                alerts = (await clinic.client.get("/api/v1/alerts", params={"patient_id": patient})).json()
                if any(a["kind"] == "hospitalised" for a in alerts):
                    break
                if time.perf_counter() - started > 30:
                    raise TimeoutError(f"no hospitalised alert for patient {patient} within 30 s")
                await asyncio.sleep(0.01)
            latencies.append(time.perf_counter() - started)
            await asyncio.sleep(0.2)
    finally:
        await producer.stop()
        await clinic.aclose()
    return {"samples": len(latencies), "p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "max_ms": round(max(latencies) * 1000, 1)}


def main() -> None:
    with stack_on_a_new_database("ecovid_bench_admissions") as (stack, _):
        # The latency first, on a stack whose stays list is not yet thousands long.
        results: dict[str, Any] = {"machine": machine(), "at": datetime.now(UTC).isoformat(),
                                   "admission_to_alert": asyncio.run(admission_to_alert(stack))}
        results["mllp"] = asyncio.run(mllp_throughput(stack.config.ports.mllp))
    out = Path("bench-results")
    out.mkdir(exist_ok=True)
    (out / "admissions.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
