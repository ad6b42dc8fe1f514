"""Mutated hospital messages for the fuzz test: seeded, so a failure replays."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

from hl7_samples import adt
from samples import json_message

_HL7_TOKENS = [b"|", b"^", b"~", b"\\", b"&", b"\r", b"\x0b", b"\x1c", b"\xe9", b"\xff", b"\x00", b"MSH|",
               b"PID|", b"PV1|", b"ZBE|", b"\\X41\\", b"\\E\\", b"99999999", b"2A", b"A0", b"\xc3\xa9"]


def hl7_seeds(rng: random.Random) -> list[bytes]:
    triggers = ["A01", "A02", "A03", "A04", "A08", "A11", "A12", "A13", "A05", "A28"]
    return [adt(rng.choice(triggers), control_id=f"F{i}", movement=rng.choice([None, f"MV{i}"]),
                version=rng.choice(["2.3.1", "2.4", "2.5", "2.6"]), charset=rng.choice(["8859/1", ""]),
                visit=f"V{rng.randint(1, 30)}", last=rng.choice(["DUPONT", "LEFÈVRE", "D'ARC"]),
                discharged=rng.choice(["", "20261201100000"]))
            for i in range(40)]


def mutate_bytes(rng: random.Random, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 4)):
        action = rng.randrange(7)
        at = rng.randrange(len(data) + 1)
        if action == 0 and data:  # flip a byte
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif action == 1:  # insert a token that means something to HL7
            data[at:at] = rng.choice(_HL7_TOKENS)
        elif action == 2:  # delete a run
            del data[at:at + rng.randint(1, 30)]
        elif action == 3:  # truncate
            del data[at:]
        elif action == 4:  # swap two segments
            segments = bytes(data).split(b"\r")
            i, j = rng.randrange(len(segments)), rng.randrange(len(segments))
            segments[i], segments[j] = segments[j], segments[i]
            data = bytearray(b"\r".join(segments))
        elif action == 5:  # duplicate a run
            data[at:at] = data[at:at + rng.randint(1, 50)]
        else:  # drop a segment
            segments = bytes(data).split(b"\r")
            segments.pop(rng.randrange(len(segments)))
            data = bytearray(b"\r".join(segments))
    return bytes(data)


def hl7_messages(count: int, seed: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    seeds = hl7_seeds(rng)
    for _ in range(count):
        raw = rng.choice(seeds)
        yield raw if rng.random() < 0.1 else mutate_bytes(rng, raw)


_JSON_VALUES = [None, "", 0, -1, 1e308, "x" * 300, [], {}, True, "2026-02-30T00:00:00Z", "2026-11-30T08:00:00",
                "185077512345608", "330781196", "PatientDied"]


def json_messages(count: int, seed: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    for i in range(count):
        message = json_message(rng.choice(["PatientHospitalised", "PatientDischarged", "AdmissionCancelled"]),
                               event_id=f"J{i}", visit=f"V{rng.randint(1, 30)}")
        for _ in range(rng.randint(0, 3)):
            target = message
            path = rng.choice([("event_id",), ("event_type",), ("occurred_at",), ("hospital", "finess"),
                               ("patient", "birth_date"), ("patient", "ins"), ("visit_number",), ("unit",),
                               ("admitted_at",), ("extra",), ("patient", "last_name")])
            for key in path[:-1]:
                target = target.setdefault(key, {}) if isinstance(target, dict) else {}
            if isinstance(target, dict):
                if rng.random() < 0.3:
                    target.pop(path[-1], None)
                else:
                    target[path[-1]] = rng.choice(_JSON_VALUES)
        raw = json.dumps(message).encode()
        yield mutate_bytes(rng, raw) if rng.random() < 0.3 else raw
