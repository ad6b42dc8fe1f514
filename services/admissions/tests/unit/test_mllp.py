"""The MLLP listener on a real socket, its broker write replaced by a list (or a failure)."""

from __future__ import annotations

import asyncio

import hl7
import pytest
from hl7_samples import adt

from admissions.entrypoints.mllp import MllpListener, MllpSettings, acknowledgement

VT, FS, CR = b"\x0b", b"\x1c", b"\r"


class Recorded:
    def __init__(self, fail: bool = False) -> None:
        self.values: list[bytes] = []
        self.fail = fail

    async def __call__(self, raw: bytes, key: bytes | None) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.values.append(raw)


async def listening(publish: Recorded, max_bytes: int = 1024 * 1024) -> tuple[MllpListener, int]:
    listener = MllpListener(MllpSettings(port=0, max_message_bytes=max_bytes), publish)
    await listener.start()
    assert listener.server is not None
    return listener, listener.server.sockets[0].getsockname()[1]


async def exchange(port: int, *frames: bytes) -> list[hl7.Message]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answers = []
    for frame in frames:
        writer.write(frame)
        await writer.drain()
        block = await reader.readuntil(FS + CR)
        answers.append(hl7.parse(block[1:-2].decode("latin-1")))
    writer.close()
    return answers


def framed(raw: bytes) -> bytes:
    return VT + raw + FS + CR


async def test_aa_after_the_write_ae_with_err_ar_each_echoing_msh_10() -> None:
    """Break: AA answered before publish is awaited (publish scheduled as a task) -> the broker-down
    case answers AA, fails."""
    publish = Recorded()
    listener, port = await listening(publish)
    ok, bad, unsupported = await exchange(
        port, framed(adt(control_id="C1")), framed(adt(control_id="C2", born="19501340")),
        framed(adt("A05", control_id="C3")),
    )
    assert (str(ok["MSA.F1"]), str(ok["MSA.F2"])) == ("AA", "C1")
    assert (str(bad["MSA.F1"]), str(bad["MSA.F2"])) == ("AE", "C2")
    assert "PID-7" in str(bad.segment("ERR")) and str(bad["ERR.F3.R1.C1"]) == "102"
    assert (str(unsupported["MSA.F1"]), str(unsupported["MSA.F2"])) == ("AR", "C3")
    assert publish.values == [adt(control_id="C1")]
    assert (listener.counts.accepted, listener.counts.errors, listener.counts.rejected) == (1, 1, 1)
    publish.fail = True
    [down] = await exchange(port, framed(adt(control_id="C4")))
    assert str(down["MSA.F1"]) == "AE" and "send again" in str(down.segment("ERR"))


async def test_a_bad_frame_or_an_oversized_message_closes_that_connection_only() -> None:
    """Break: the oversized branch answering instead of returning -> the reader waits for ever."""
    publish = Recorded()
    listener, port = await listening(publish, max_bytes=4096)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"no start block" + FS + CR)
    await writer.drain()
    assert await reader.read() == b""  # closed by the listener
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(VT + b"MSH|" + b"x" * 10_000 + FS + CR)
    await writer.drain()
    assert await reader.read() == b""
    # Meanwhile another connection is served.
    [ok] = await exchange(port, framed(adt(control_id="C9")))
    assert str(ok["MSA.F1"]) == "AA"
    assert listener.counts.connections_closed_on_bad_frame == 2


async def test_concurrent_connections_each_get_their_own_answers() -> None:
    publish = Recorded()
    _listener, port = await listening(publish)
    answers = await asyncio.gather(*(
        exchange(port, *(framed(adt(control_id=f"K{c}-{i}", movement=None)) for i in range(20))) for c in range(4)
    ))
    assert {str(a["MSA.F2"]) for conn in answers for a in conn} == {f"K{c}-{i}" for c in range(4) for i in range(20)}
    assert len(publish.values) == 80


@pytest.mark.parametrize("raw", [b"", b"garbage", b"MSH", b"MSH|^~\\&|A\rPID", adt(charset="", encoding="latin-1")
                                 .replace(b"DUPONT", b"DUP\xc9NT")])
def test_what_cannot_be_parsed_gets_ae_never_an_exception(raw: bytes) -> None:
    code, ack, movement = acknowledgement(raw)
    assert (code, movement) == ("AE", None) and b"MSA|AE" in ack and b"ERR|" in ack


def test_an_ack_never_carries_the_frame_bytes_even_when_msh_10_does() -> None:
    """Found by the fuzz test. Break: no translate of the framing bytes -> the ACK holds \\x1c\\r, fails."""
    for raw in (adt(control_id="C\x1c"), adt(control_id="C\x1c", born="1950"), b"MSH|^~\\&|||||||||C\x1c\x0b|P"):
        code, ack, _ = acknowledgement(raw)
        assert b"\x1c" not in ack and b"\x0b" not in ack, (code, ack)
