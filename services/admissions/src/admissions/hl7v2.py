"""HL7 v2 ADT as French hospitals send them (IHE PAM, French national extension), read with `hl7`.

One message is one movement of one stay. What is read:
  MSH-4 (the FINESS among its components), MSH-9 (ADT^trigger), MSH-10, MSH-12 (2.3.1 to 2.5),
  MSH-18 (character set: ISO 8859-1 or UTF-8); EVN-2/EVN-6; PID-3 repetitions (the INS is the
  one whose assigning authority is the INS OID), PID-5 (birth name "L", used name "D"), PID-7;
  PV1-2 (class), PV1-3 (unit), PV1-19 (visit number), PV1-44/45 (admitted, discharged); ZBE-1
  (movement id) and ZBE-2 (movement time) when present.
A message that cannot be used raises `InvalidEvent` (AE, or a dead letter) naming the field; a
trigger or version this service does not handle raises `Unsupported` (AR).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import hl7

from ecovid_events import InvalidEvent
from ecovid_events.admissions import ins_key_ok

from admissions.messages import HospitalMovement

TRIGGERS = {
    "A01": "admit", "A02": "transfer", "A03": "discharge", "A04": "outpatient", "A08": "update",
    "A11": "cancel_admit", "A12": "cancel_transfer", "A13": "cancel_discharge",
}
VERSIONS = ("2.3.1", "2.4", "2.5", "2.5.1")
# INS-NIR and its test range (ANS): the INS is the PID-3 identifier assigned by one of these.
INS_OIDS = ("1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.10")
# A time without an offset is the hospital's wall clock: in France.
HOSPITAL_TIME_ZONE = ZoneInfo("Europe/Paris")
_CHARSETS = {"": "utf-8", "UNICODE UTF-8": "utf-8", "8859/1": "iso-8859-1", "ASCII": "ascii"}
_FINESS = re.compile(r"^[0-9][0-9AB][0-9]{7}$")
_TS = re.compile(r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d{1,4})?([+-]\d{4})?$")


class Unsupported(InvalidEvent):
    """A message type, trigger event or version this service does not take (acknowledged AR)."""


@dataclass(frozen=True)
class Refusal:
    """Where a message went wrong, for the ERR segment of its acknowledgement."""

    code: str  # HL7 table 0357
    location: str  # segment^sequence^field, empty when the whole message is at fault


class Refused(InvalidEvent):
    def __init__(self, reason: str, code: str = "207", location: str = "") -> None:
        super().__init__(reason)
        self.refusal = Refusal(code, location)


def decode_text(raw: bytes) -> str:
    """The message's text in the character set its MSH-18 names (UTF-8 when it names none)."""
    header = raw.split(b"\r", 1)[0].lstrip()
    if not header.startswith(b"MSH") or len(header) < 8:
        raise Refused("not an HL7 v2 message: it must start with MSH and its separators", "100", "MSH")
    fields = header.split(header[3:4])
    charset = fields[17].split(header[4:5])[0].decode("ascii", "replace").strip() if len(fields) > 17 else ""
    encoding = _CHARSETS.get(charset.upper())
    if encoding is None:
        raise Refused(f"MSH-18: character set {charset!r} not supported (8859/1, UNICODE UTF-8, ASCII)",
                      "102", "MSH^1^18")
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        raise Refused(f"MSH-18: the bytes are not {encoding}" + ("" if charset else " (MSH-18 empty)"),
                      "102", "MSH^1^18") from None


def parse(raw: bytes) -> Any:
    text = decode_text(raw).replace("\r\n", "\r").replace("\n", "\r")
    try:
        return hl7.parse(text)
    except Exception as error:  # noqa: BLE001 - hl7 raises several kinds on malformed text
        raise Refused(f"unreadable HL7: {error}", "100") from None


def header(message: Any) -> dict[str, str]:
    """MSH fields an acknowledgement needs even when the rest is wrong."""
    return {"control_id": _field(message, "MSH", 10), "trigger": _field(message, "MSH", 9, 1, 2)}


def read_movement(raw: bytes) -> HospitalMovement:
    message = parse(raw)
    return movement_of(message, raw)


def movement_of(message: Any, raw: bytes) -> HospitalMovement:
    try:
        return _movement_of(message, raw)
    except InvalidEvent:
        raise
    except (KeyError, IndexError, ValueError, TypeError, AttributeError) as error:
        # The hl7 containers' own refusals on a malformed tree (found by the fuzz test).
        raise Refused(f"malformed message: {type(error).__name__}: {error}"[:300], "100") from None


def _movement_of(message: Any, raw: bytes) -> HospitalMovement:
    message_type, trigger = _field(message, "MSH", 9, 1, 1), _field(message, "MSH", 9, 1, 2)
    if not message_type or not trigger:
        raise Refused("MSH-9: message type and trigger event required (ADT^A01)", "101", "MSH^1^9")
    if message_type != "ADT":
        raise Unsupported(f"MSH-9: message type {message_type!r} not supported (ADT only)", )
    if trigger not in TRIGGERS:
        raise Unsupported(f"MSH-9: trigger event {trigger!r} not supported ({', '.join(TRIGGERS)})")
    version = _field(message, "MSH", 12)
    if version not in VERSIONS:
        raise Unsupported(f"MSH-12: version {version!r} not supported ({', '.join(VERSIONS)})")
    control_id = _required(message, "MSH", 10, what="message control id")
    finess, hospital_name = _hospital(message)
    # The whole first field: "PID~" is not a PID segment (the hl7 containers would not find it).
    order = [str(segment[0]) for segment in message]
    for name in ("PID", "PV1"):
        if name not in order:
            raise Refused(f"{name}: segment missing", "100", name)
    if order.index("PV1") < order.index("PID"):
        raise Refused("segments out of order: PV1 before PID", "100", "PV1")
    visit = _required(message, "PV1", 19, what="visit number")
    kind = TRIGGERS[trigger]
    movement_id = _field(message, "ZBE", 1) if "ZBE" in order else ""
    # In IHE PAM a cancellation carries the id of the movement it cancels: with the trigger,
    # the two stay two movements, and a replay of either stays one.
    movement_id = f"{movement_id}|{trigger}" if movement_id else f"MSH-10:{control_id}"
    return HospitalMovement(
        source="hl7v2", movement_id=movement_id[:200], kind=kind, at=_movement_time(message, kind, order),
        finess=finess, hospital_name=hospital_name, visit_number=visit[:50],
        unit=_field(message, "PV1", 3)[:100] or None, identity=_identity(message),
        raw=raw.decode("latin-1") if not _utf8(raw) else raw.decode(), correlation_id=f"hl7-{control_id}"[:100],
    )


def decode_record(record: Any) -> HospitalMovement:
    return read_movement(record.value or b"")


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode()
    except UnicodeDecodeError:
        return False
    return True


def _hospital(message: Any) -> tuple[str, str | None]:
    components = [_field(message, "MSH", 4, 1, c) for c in (1, 2)]
    for value in components:
        if _FINESS.match(value):
            others = [c for c in components if c and c != value]
            return value, others[0] if others else None
    raise Refused("MSH-4: no FINESS (9 characters) among its components", "101", "MSH^1^4")


def _identity(message: Any) -> dict[str, Any]:
    pid = message.segment("PID")
    identity: dict[str, Any] = {"ins": None, "birth_name": None, "used_name": None, "first_name": None}
    for rep in range(1, _repetitions(pid, 3) + 1):
        if _at(pid, 3, rep, 4, 2) in INS_OIDS:
            ins = _at(pid, 3, rep, 1).replace(" ", "").upper()
            if not ins_key_ok(ins):
                raise Refused("PID-3: the INS key does not match its first 13 characters", "102", "PID^1^3")
            identity["ins"] = ins
    for rep in range(1, _repetitions(pid, 5) + 1):
        family, given, name_type = _at(pid, 5, rep, 1), _at(pid, 5, rep, 2), _at(pid, 5, rep, 7)
        if name_type == "D" and family:
            identity["used_name"] = family
        elif family and identity["birth_name"] is None:
            identity["birth_name"] = family  # "L", or the first name given when none says
        identity["first_name"] = identity["first_name"] or given or None
    if not (identity["birth_name"] or identity["used_name"]):
        raise Refused("PID-5: patient name missing", "101", "PID^1^5")
    born = _field(message, "PID", 7)
    try:
        identity["birth_date"] = date(int(born[:4]), int(born[4:6]), int(born[6:8])).isoformat()
    except ValueError:
        raise Refused(f"PID-7: invalid birth date {born[:20]!r}", "102", "PID^1^7") from None
    return identity


def _movement_time(message: Any, kind: str, order: list[str]) -> datetime:
    candidates: list[tuple[str, str]] = []
    if kind == "admit":
        candidates.append(("PV1-44", _field(message, "PV1", 44)))
    if kind == "discharge":
        candidates.append(("PV1-45", _field(message, "PV1", 45)))
    if "ZBE" in order:
        candidates.append(("ZBE-2", _field(message, "ZBE", 2)))
    if "EVN" in order:
        candidates += [("EVN-6", _field(message, "EVN", 6)), ("EVN-2", _field(message, "EVN", 2))]
    candidates.append(("MSH-7", _field(message, "MSH", 7)))
    for name, value in candidates:
        if value:
            return parse_time(value, name)
    raise Refused("no movement time (PV1-44/45, ZBE-2, EVN-6, EVN-2, MSH-7)", "101", "MSH^1^7")


def parse_time(value: str, name: str) -> datetime:
    found = _TS.match(value.strip())
    try:
        if found is None:
            raise ValueError
        year, month, day, hour, minute, second, offset = found.groups()
        naive = datetime(int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
                         int(second or 0))
        if offset:
            sign = 1 if offset[0] == "+" else -1
            minutes = sign * (int(offset[1:3]) * 60 + int(offset[3:5]))
            return datetime.fromtimestamp(naive.replace(tzinfo=UTC).timestamp() - minutes * 60, UTC)
        return naive.replace(tzinfo=HOSPITAL_TIME_ZONE).astimezone(UTC)
    except ValueError:
        segment, _, number = name.partition("-")
        raise Refused(f"{name}: invalid date/time {value[:30]!r}", "102", f"{segment}^1^{number}") from None


def _field(message: Any, segment: str, field: int, repeat: int = 1, component: int = 1) -> str:
    try:
        return str(message.segment(segment).extract_field(1, field, repeat, component, 1)).strip()
    except (KeyError, IndexError):
        return ""


def _required(message: Any, segment: str, field: int, *, what: str) -> str:
    value = _field(message, segment, field)
    if not value:
        raise Refused(f"{segment}-{field}: {what} missing", "101", f"{segment}^1^{field}")
    return value


def _repetitions(segment: Any, field: int) -> int:
    return len(segment(field)) if field < len(segment) else 0


def _at(segment: Any, field: int, repeat: int, component: int, sub: int = 1) -> str:
    """One (sub-)component of one repetition, unescaped; "" when absent."""
    try:
        return str(segment.extract_field(1, field, repeat, component, sub)).strip()
    except (IndexError, KeyError, TypeError):
        return ""
