"""Fuzz: mutated HL7 (through the MLLP listener and the topic's decoding and application) and mutated
JSON messages. Every one is applied, acknowledged as an error (AE/AR), kept for reconciliation or
dead-lettered with a reason; nothing raises anything else, the listener keeps answering, and the
counts add up. Short form here (ECOVID_FUZZ_HL7 / ECOVID_FUZZ_JSON); `make fuzz` runs the long form
(10,000 HL7 and 1,000 JSON)."""

from __future__ import annotations

import asyncio
import logging
import os
from collections import Counter
from collections.abc import Iterator

import pytest
import structlog
from fuzzing import hl7_messages, json_messages
from test_admissions_from_json import register

from ecovid_events import InvalidEvent

from admissions import hl7v2
from admissions.application import AdmissionsApplication
from admissions.entrypoints.mllp import MllpListener, MllpSettings
from admissions.messages import HospitalMovement, from_json

HL7_COUNT = int(os.environ.get("ECOVID_FUZZ_HL7", "1000"))
JSON_COUNT = int(os.environ.get("ECOVID_FUZZ_JSON", "200"))
SEED = int(os.environ.get("ECOVID_FUZZ_SEED", "20261130"))
VT, FS, CR = b"\x0b", b"\x1c", b"\r"


@pytest.fixture(autouse=True)
def quiet() -> Iterator[None]:
    """One log line per message would be most of the run's time."""
    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    yield
    structlog.configure(**saved)


def apply(app: AdmissionsApplication, movement: HospitalMovement, outcomes: Counter[str]) -> None:
    saved = app.record_movement(movement)
    app.save(*saved)
    if not saved:
        outcomes["replayed"] += 1
    elif saved[0].patient_id is None:
        outcomes["kept for reconciliation"] += 1
    else:
        outcomes["applied"] += 1


def test_mutated_hl7_on_the_topic_is_applied_kept_or_dead_lettered_never_a_crash(app: AdmissionsApplication) -> None:
    """Break: Refused raised as ValueError for PID-7 -> an escaped exception, fails."""
    register(app, last="Dupont", first="Jeanne")  # the samples' patient: some stays match
    outcomes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for raw in hl7_messages(HL7_COUNT, SEED):
        try:
            movement = hl7v2.read_movement(raw)
        except InvalidEvent as error:  # what the consumer dead-letters, with this reason
            assert str(error)
            outcomes["dead-lettered"] += 1
            reasons[str(error).split(":")[0][:30]] += 1
            continue
        apply(app, movement, outcomes)
    assert sum(outcomes.values()) == HL7_COUNT
    assert outcomes["dead-lettered"] and outcomes["kept for reconciliation"] and outcomes["applied"]
    print(f"HL7 on the topic: {dict(outcomes)}; reasons {reasons.most_common(8)}")


def test_mutated_hl7_over_mllp_each_gets_an_answer_and_the_listener_lives_on() -> None:
    stored: list[bytes] = []

    async def publish(raw: bytes, key: bytes | None) -> None:
        stored.append(raw)

    async def run() -> tuple[Counter[str], MllpListener]:
        listener = MllpListener(MllpSettings(port=0, max_message_bytes=64 * 1024), publish)
        await listener.start()
        assert listener.server is not None
        port = listener.server.sockets[0].getsockname()[1]
        codes: Counter[str] = Counter()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for raw in hl7_messages(HL7_COUNT, SEED + 1):
            if VT in raw or FS + CR in raw:
                # Framing bytes inside a message may break the frame: on a connection of its own,
                # answered or closed (counted apart), the main connection goes on.
                bad_reader, bad_writer = await asyncio.open_connection("127.0.0.1", port)
                bad_writer.write(VT + raw + FS + CR)
                await bad_writer.drain()
                try:
                    await asyncio.wait_for(bad_reader.readuntil(FS + CR), 10)
                    codes["answered despite framing bytes"] += 1
                except asyncio.IncompleteReadError:
                    codes["connection closed"] += 1
                bad_writer.close()
                continue
            writer.write(VT + raw + FS + CR)
            await writer.drain()
            block = await asyncio.wait_for(reader.readuntil(FS + CR), 10)
            msa = next((s for s in block[1:-2].split(b"\r") if s.startswith(b"MSA|")), b"")
            codes[msa[4:6].decode()] += 1
        writer.close()
        return codes, listener

    codes, listener = asyncio.run(run())
    assert sum(codes.values()) == HL7_COUNT
    assert set(codes) <= {"AA", "AE", "AR", "answered despite framing bytes", "connection closed"}
    answered = codes["AA"] + codes["AE"] + codes["AR"] + codes["answered despite framing bytes"]
    assert answered == listener.counts.accepted + listener.counts.errors + listener.counts.rejected
    # A message holding <FS><CR> is answered for its first part, and what follows it is then a
    # frame without its start: the listener closes that connection after the answer was read.
    assert codes["connection closed"] <= listener.counts.connections_closed_on_bad_frame
    assert listener.counts.accepted == len(stored) >= codes["AA"]
    print(f"HL7 over MLLP: {dict(codes)}")


def test_mutated_json_is_applied_kept_or_dead_lettered(app: AdmissionsApplication) -> None:
    register(app, last="Dupont", first="Jeanne")
    outcomes: Counter[str] = Counter()
    for raw in json_messages(JSON_COUNT, SEED):
        try:
            movement = from_json(raw)
        except InvalidEvent as error:
            assert str(error)
            outcomes["dead-lettered"] += 1
            continue
        apply(app, movement, outcomes)
    assert sum(outcomes.values()) == JSON_COUNT
    assert outcomes["dead-lettered"] and outcomes["applied"]
    print(f"JSON: {dict(outcomes)}")
