"""MLLP listener for hospitals that cannot write to Kafka (`hl7` package's asyncio server).

Each framed message is checked and answered on its connection:
  AA  once the raw message is on `hospital.adt.hl7v2` with acks=all (durable: the consumer of
      that topic applies it, exactly as a message a hospital wrote there itself);
  AE  with an ERR segment when it cannot be read or lacks what is required;
  AR  for a message type, trigger event or version this service does not take.
The ACK echoes MSH-10 in MSA-2. A framing error (no start block, no end block before the
connection closes) or a message over the size limit closes that connection only.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import hl7
import structlog
from aiokafka import AIOKafkaProducer
from hl7.mllp import InvalidBlockError, start_hl7_server
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ecovid_events import InvalidEvent, topics

from admissions import hl7v2

log = structlog.get_logger(__name__)

Publish = Callable[[bytes, bytes | None], Awaitable[None]]


class MllpSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ECOVID_MLLP_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=2575, ge=0, le=65535)  # 0: no listener
    max_message_bytes: int = Field(default=1024 * 1024, ge=1024)


@dataclass
class Counts:
    """What the listener answered since it started (the fuzz test and the bench read them)."""

    accepted: int = 0
    errors: int = 0
    rejected: int = 0
    connections_closed_on_bad_frame: int = 0


def acknowledgement(raw: bytes) -> tuple[str, bytes, hl7v2.HospitalMovement | None]:
    """The ACK code, the ACK bytes (without the MLLP frame), and the movement when AA is due."""
    code, ack, movement = _judge(raw)
    # An echoed MSH-10 may carry the frame's own bytes: left in, they would end the ACK early
    # for the sender and shift every later answer on that connection (found by the fuzz test).
    return code, ack.translate(None, _FRAMING), movement


_FRAMING = b"\x0b\x1c"


def _judge(raw: bytes) -> tuple[str, bytes, hl7v2.HospitalMovement | None]:
    try:
        message = hl7v2.parse(raw)
    except InvalidEvent as error:
        return "AE", _bare_ack("AE", raw, error), None
    try:
        movement = hl7v2.movement_of(message, raw)
    except hl7v2.Unsupported as error:
        return "AR", _ack(message, "AR", error), None
    except InvalidEvent as error:
        return "AE", _ack(message, "AE", error), None
    return "AA", _ack(message, "AA", None), movement


def _ack(message: Any, code: str, error: InvalidEvent | None) -> bytes:
    try:
        ack = message.create_ack(code, message_id=f"ACK{hl7.generate_message_control_id()}"[:20])
    except Exception:  # noqa: BLE001 - a header too broken to answer in kind
        return _bare_ack(code, b"", error)
    text = str(ack).rstrip("\r")
    if error is not None:
        text += "\r" + _err(error, code)
    return text.encode("utf-8") if _is_utf8_charset(message) else text.encode("iso-8859-1", "replace")


def _bare_ack(code: str, raw: bytes, error: InvalidEvent | None) -> bytes:
    """An ACK for what could not be parsed: MSA-2 is whatever MSH-10 the bytes carry."""
    control_id = ""
    header = raw.split(b"\r", 1)[0]
    if header.startswith(b"MSH") and len(header) > 3:
        fields = header.split(header[3:4])
        control_id = fields[9].decode("ascii", "replace")[:50] if len(fields) > 9 else ""
    msh = f"MSH|^~\\&|ECOVID|ECOVID|||{_now()}||ACK|ACK{hl7.generate_message_control_id()}"[:200] + "|P|2.5"
    return "\r".join([msh, f"MSA|{code}|{_escape(control_id)}", _err(error, code)]).encode("ascii", "replace")


def _err(error: InvalidEvent | None, code: str) -> str:
    refusal = getattr(error, "refusal", None)
    hl7_code = refusal.code if refusal else ("200" if code == "AR" else "207")
    location = refusal.location if refusal else ""
    return f"ERR||{location}|{hl7_code}^{_escape(str(error))[:200]}^HL70357|E||||{_escape(str(error))[:250]}"


def _escape(text: str) -> str:
    return (text.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\")
            .replace("&", "\\T\\").replace("~", "\\R\\").replace("\r", " ").replace("\n", " "))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S+0000")


def _is_utf8_charset(message: Any) -> bool:
    return hl7v2._field(message, "MSH", 18).upper() != "8859/1"


class MllpListener:
    def __init__(self, settings: MllpSettings, publish: Publish) -> None:
        self.settings, self.publish = settings, publish
        self.counts = Counts()
        self.server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        self.server = await start_hl7_server(
            self._connection, self.settings.host, self.settings.port, limit=self.settings.max_message_bytes,
        )
        log.info("MLLP listener started", host=self.settings.host, port=self.settings.port)

    async def serve(self) -> None:
        """Background job of the service process: listens until cancelled."""
        await self.start()
        assert self.server is not None
        try:
            await asyncio.Event().wait()
        finally:
            self.server.close()
            with contextlib.suppress(Exception):
                await self.server.wait_closed()

    async def _connection(self, reader: Any, writer: Any) -> None:
        peer = writer.get_extra_info("peername")
        try:
            while True:
                try:
                    raw = await reader.readblock()
                except asyncio.IncompleteReadError as error:
                    if error.partial:
                        self._bad_frame(peer, "connection closed before the end block")
                    return
                except InvalidBlockError:
                    return self._bad_frame(peer, "block without its start character")
                except ValueError:
                    return self._bad_frame(peer, f"message over {self.settings.max_message_bytes} bytes")
                writer.writeblock(await self.answer(raw))
                await writer.drain()
        except (ConnectionError, OSError):
            return
        finally:
            writer.close()

    async def answer(self, raw: bytes) -> bytes:
        try:
            code, ack, movement = acknowledgement(raw)
        except Exception as error:  # noqa: BLE001 - a message must never end the connection's task
            log.error("MLLP message could not be judged", error=repr(error))
            code, ack, movement = "AE", _bare_ack("AE", raw, InvalidEvent("message could not be read")), None
        if movement is not None:
            try:
                # Keyed by hospital and visit: one stay's messages stay in order on one partition.
                await self.publish(raw, f"{movement.finess}|{movement.visit_number}".encode())
            except Exception as error:  # noqa: BLE001 - not durable: the hospital must send again
                log.warning("MLLP message not acknowledged: broker write failed", error=repr(error))
                self.counts.errors += 1
                return _bare_ack("AE", raw, InvalidEvent("not stored, send again: broker unavailable"))
        counter = {"AA": "accepted", "AE": "errors", "AR": "rejected"}[code]
        setattr(self.counts, counter, getattr(self.counts, counter) + 1)
        if code != "AA":  # an accepted message is kept with its admission; a line each would cost its throughput
            log.info("MLLP message answered", ack=code)
        return ack

    def _bad_frame(self, peer: Any, why: str) -> None:
        self.counts.connections_closed_on_bad_frame += 1
        log.warning("MLLP connection closed: framing", peer=str(peer), reason=why)


class KafkaPublish:
    """Writes each accepted message to `hospital.adt.hl7v2` with acks=all before the AA."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.producer: Any = None

    async def __call__(self, raw: bytes, key: bytes | None) -> None:
        if self.producer is None:
            producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all",
                                        max_request_size=8 * 1024 * 1024)
            await producer.start()
            self.producer = producer
        await self.producer.send_and_wait(topics.HOSPITAL_ADT_HL7V2, raw, key=key)

    async def close(self) -> None:
        if self.producer is not None:
            await self.producer.stop()
