"""Light records: a stored event's JSON decoded straight into what a projection reads.

A rebuild replays every stored event of a service. Through eventsourcing's mapper (the json
module with a Python hook called for every object, then a domain-event object) and the
service's `translate` (a validated pydantic integration event), a stored reading cost ~47 µs
before any row was written; 20,000 events/s leaves 50 µs for everything. A service may so
declare, per stored topic, light decoders: orjson parses the state and the decoder builds a
`Light` record holding the integration event's envelope and payload fields, each value of the
type pydantic's validation gives it. The read models' handlers read attributes: they take a
`Light` as they take the integration event.

Same values: `differences` compares the two paths over stored events (each service's unit
tests run it on every light topic), and `ecovid-ops verify` compares rows rebuilt through the
light path with live rows made through `translate`. A stored event the light path was not
written for goes through the mapper and `translate` as before: ciphered or compressed state,
an older class version to upcast, a tag or a field its decoder does not expect, a topic or an
asked-for type with no decoder.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, NamedTuple

import orjson
from pydantic import BaseModel

from ecovid_events import event_id_for
from ecovid_platform.integration import EVERY, Translate


class NotLight(Exception):
    """The stored state is not what the light decoder was written for: take the long way."""


class Light:
    """The fields of an integration event that projections read; `payload` holds every field
    of the event's payload (nested models as namespaces)."""

    __slots__ = ("event_type", "occurred_at", "originator_id", "originator_version", "patient_id", "payload")

    def __init__(self, event_type: str, originator_id: uuid.UUID, originator_version: int, occurred_at: datetime,
                 patient_id: uuid.UUID | None, payload: SimpleNamespace) -> None:
        self.event_type, self.occurred_at, self.patient_id = event_type, occurred_at, patient_id
        self.originator_id, self.originator_version, self.payload = originator_id, originator_version, payload

    @property
    def event_id(self) -> uuid.UUID:
        """As the envelope makes it (computed when asked: few handlers read it)."""
        return event_id_for(self.originator_id, self.originator_version)


# (originator id, originator version, the stored state as parsed JSON) -> the record.
LightDecode = Callable[[uuid.UUID, int, dict[str, Any]], Light]


@dataclass(frozen=True)
class LightTopic:
    """One stored topic: every integration event type `translate` may give for it, and a light
    decoder for some of them (in the order `translate` yields them)."""

    yields: frozenset[str]
    decoders: Mapping[str, LightDecode] = field(default_factory=dict)

    def covers(self, wanted: Container[str]) -> bool:
        """Every wanted type this topic may give has a decoder."""
        return all(t in self.decoders for t in self.yields if t in wanted)


LightTopics = Mapping[str, LightTopic]


# -- tagged values, as eventsourcing's transcodings wrote them ------------------------------

def _data(value: Any, tag: str) -> Any:
    if type(value) is not dict or value.get("_type_") != tag or len(value) != 2:
        raise NotLight(f"expected {tag}, found {value!r:.80}")
    return value["_data_"]


def _uuid_from_hex(hex_digits: str, new: Any = object.__new__, assign: Any = object.__setattr__) -> uuid.UUID:
    """uuid.UUID(hex_digits), built as UUID(int=...) builds it without its checks and parsing in
    Python (~4 times faster); a malformed value raises ValueError (int() refuses it)."""
    if len(hex_digits) != 32:
        raise NotLight(f"not 32 hexadecimal digits: {hex_digits!r:.40}")
    made: uuid.UUID = new(uuid.UUID)
    assign(made, "int", int(hex_digits, 16))
    assign(made, "is_safe", uuid.SafeUUID.unknown)
    return made


_SAMPLE = "e84564d162654bcbbf0d2c665750fb97"
_uuid = _uuid_from_hex if _uuid_from_hex(_SAMPLE) == uuid.UUID(_SAMPLE) else uuid.UUID  # another uuid module: its own


def uuid_of(value: Any) -> uuid.UUID:
    return _uuid(_data(value, "uuid_hex"))


_known_uuid = functools.lru_cache(maxsize=100_000)(_uuid)


def known_uuid_of(value: Any) -> uuid.UUID:
    """`uuid_of` for ids that come back event after event (a patient's, a structure's): made once."""
    return _known_uuid(_data(value, "uuid_hex"))


def optional_uuid(value: Any) -> uuid.UUID | None:
    return None if value is None else uuid_of(value)


def moment(value: Any) -> datetime:
    return datetime.fromisoformat(_data(value, "datetime_iso"))


def day(value: Any) -> date:
    return date.fromisoformat(_data(value, "date_iso"))


def plain(value: Any) -> Any:
    """A value of free shape: decimals as floats (as the integration events carry them), other
    tags decoded; anything else tagged is not for the light path."""
    if type(value) is dict:
        if "_type_" in value and len(value) == 2 and "_data_" in value:
            tag, data = value["_type_"], value["_data_"]
            if tag == "decimal_str":
                return float(Decimal(data))
            if tag == "uuid_hex":
                return _uuid(data)
            if tag == "datetime_iso":
                return datetime.fromisoformat(data)
            if tag == "date_iso":
                return date.fromisoformat(data)
            raise NotLight(f"unexpected tag {tag!r}")
        return {k: plain(v) for k, v in value.items()}
    if type(value) is list:
        return [plain(v) for v in value]
    return value


# -- the replay -----------------------------------------------------------------------------

class Stored(NamedTuple):
    """A row of the event store's table, as the mapper reads a notification."""

    id: int
    originator_id: Any
    originator_version: int
    topic: str
    state: bytes


def read_log(app: Any, after: int, up_to: int, limit: int) -> Sequence[Any]:
    """The stored events after notification `after`, up to `up_to`, at most `limit`.

    On PostgreSQL, one query in binary format into plain tuples (~3 µs a row of the
    interpreter's time, against ~9 through the recorder's dictionaries and notification
    objects: the rows are what a rebuild reads most). Elsewhere, the recorder's own query.
    """
    from eventsourcing.postgres import PostgresDatastore
    from psycopg.rows import args_row
    from psycopg.sql import SQL, Identifier

    recorder = app.recorder
    datastore = getattr(recorder, "datastore", None)
    if not isinstance(datastore, PostgresDatastore) or not hasattr(recorder, "events_table_name"):
        return list(recorder.select_notifications(after, limit, stop=up_to, inclusive_of_start=False))

    statement = SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state FROM {}.{}"
        " WHERE notification_id > %s AND notification_id <= %s ORDER BY notification_id LIMIT %s"
    ).format(Identifier(datastore.schema), Identifier(recorder.events_table_name))
    with datastore.get_connection() as connection, connection.cursor(binary=True, row_factory=args_row(Stored)) as rows:
        rows.execute(statement, (after, up_to, limit), prepare=True)
        return rows.fetchall()


@dataclass
class LightReader:
    """Stored events to (notification id, integration event or `Light`) for the wanted types."""

    app: Any  # the service's eventsourcing application (its mapper)
    translate: Translate
    topics: LightTopics
    wanted: Container[str]
    light: int = 0  # events decoded the light way
    long_way: int = 0  # stored events that went through the mapper and translate
    _usable: dict[str, LightTopic | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        mapper = self.app.mapper
        self._plain_state = mapper.cipher is None and mapper.compressor is None

    def read(self, notifications: Sequence[Any]) -> list[tuple[int, Any]]:
        out: list[tuple[int, Any]] = []
        wanted = self.wanted
        for n in notifications:
            spec = self._spec(n.topic)
            if spec is not None:
                try:
                    out.extend(self._light(n, spec))
                    continue
                except (NotLight, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                    pass  # the long way, below
            self.long_way += 1
            out.extend((n.id, e) for e in self.translate(self.app.mapper.to_domain_event(n), wanted)
                       if e.event_type in wanted)
        return out

    def _spec(self, topic: str) -> LightTopic | None:
        try:
            return self._usable[topic]
        except KeyError:
            spec = self.topics.get(topic)
            usable = spec if spec is not None and self._plain_state and spec.covers(self.wanted) else None
            self._usable[topic] = usable
            return usable

    def _light(self, n: Any, spec: LightTopic) -> list[tuple[int, Any]]:
        decoders = [(t, d) for t, d in spec.decoders.items() if t in self.wanted]
        if not decoders:
            return []  # nothing wanted from this topic: not even parsed
        state = orjson.loads(n.state)
        if "class_version" in state:
            raise NotLight("an older class version to upcast")
        originator = n.originator_id if type(n.originator_id) is uuid.UUID else uuid.UUID(str(n.originator_id))
        records = [(n.id, decode(originator, n.originator_version, state)) for _, decode in decoders]
        self.light += len(records)
        return records


# -- the proof ------------------------------------------------------------------------------

def differences(app: Any, translate: Translate, topics: LightTopics, notifications: Sequence[Any]) -> list[str]:
    """Where the light path and the long way disagree on these stored events, field by field
    and type by type (int is not float, a namespace stands for a nested model); [] when never."""
    found: list[str] = []
    for n in notifications:
        spec = topics.get(n.topic)
        if spec is None:
            continue
        events = list(translate(app.mapper.to_domain_event(n), EVERY))
        where = f"notification {n.id} ({n.topic})"
        extra = {e.event_type for e in events} - spec.yields
        if extra:
            found.append(f"{where}: translate gives {sorted(extra)}, not declared in yields")
        state = orjson.loads(n.state)
        originator = n.originator_id if type(n.originator_id) is uuid.UUID else uuid.UUID(str(n.originator_id))
        lights = [decode(originator, n.originator_version, state) for decode in spec.decoders.values()]
        long_way = [e for e in events if e.event_type in spec.decoders]
        if [e.event_type for e in long_way] != [x.event_type for x in lights]:
            found.append(f"{where}: types {[e.event_type for e in long_way]} != {[x.event_type for x in lights]}")
            continue
        for event, light in zip(long_way, lights, strict=True):
            expected = {"event_id": event.event_id, "event_type": event.event_type,
                        "occurred_at": event.occurred_at, "patient_id": event.patient_id,
                        "payload": _as_dict(getattr(event, "payload", None))}
            got = {"event_id": light.event_id, "event_type": light.event_type, "occurred_at": light.occurred_at,
                   "patient_id": light.patient_id, "payload": _as_dict(light.payload)}
            found += [f"{where}: {problem}" for problem in _compare(expected, got, "")]
    return found


def _as_dict(value: Any) -> Any:
    if isinstance(value, SimpleNamespace):
        return {k: _as_dict(v) for k, v in vars(value).items()}
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, dict):
        return {k: _as_dict(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_dict(v) for v in value]
    return value


def _compare(expected: Any, got: Any, path: str) -> list[str]:
    if type(expected) is not type(got):
        return [f"{path or 'value'}: {expected!r} ({type(expected).__name__}) != {got!r} ({type(got).__name__})"]
    if isinstance(expected, dict):
        if expected.keys() != got.keys():
            return [f"{path or 'value'}: keys {sorted(expected)} != {sorted(got)}"]
        return [p for k in expected for p in _compare(expected[k], got[k], f"{path}.{k}" if path else k)]
    if isinstance(expected, list):
        if len(expected) != len(got):
            return [f"{path}: {len(expected)} items != {len(got)}"]
        return [p for i, (a, b) in enumerate(zip(expected, got, strict=True)) for p in _compare(a, b, f"{path}[{i}]")]
    if isinstance(expected, datetime) and expected.utcoffset() != got.utcoffset():
        return [f"{path}: {expected!r} != {got!r}"]
    return [] if expected == got else [f"{path}: {expected!r} != {got!r}"]
