"""The chain's arithmetic: what a stored event's content is, and how each link follows the last.

For the stored event with notification id N (eventsourcing's row: originator id, originator
version, topic, state):

    content(N)      = originator id (16 bytes) || version (8 bytes, big-endian, signed)
                      || length of the topic in UTF-8 (4 bytes) || topic (UTF-8) || state
    content_hash(N) = SHA-256(content(N))
    hash(N)         = SHA-256(hash(P) || N (8 bytes, big-endian, signed) || content_hash(N))

where P is the previous stored event (ids may have gaps: a rolled-back insert spends one), and
before the first one, `genesis(service)`. The content leaves the notification id out and the link
puts it in: a record moved to another id keeps its content hash, so it is recognised there.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from collections.abc import Iterable

ID = struct.Struct(">q")
_VERSION_AND_TOPIC_LENGTH = struct.Struct(">qi")
GENESIS_LABEL = b"e-COVID tamper-evidence chain, version 1, of service "


def genesis(service: str) -> bytes:
    """The hash before the first record: fixed per service, so no chain passes for another's."""
    return hashlib.sha256(GENESIS_LABEL + service.encode()).digest()


def originator_bytes(originator_id: uuid.UUID | str | bytes) -> bytes:
    if isinstance(originator_id, uuid.UUID):
        return originator_id.bytes
    if isinstance(originator_id, bytes):
        return originator_id
    return uuid.UUID(originator_id).bytes


def content(originator_id: uuid.UUID | str | bytes, version: int, topic: str | None, state: bytes | None) -> bytes:
    """The bytes of a stored event that its content hash covers (a missing topic or state counts
    as empty; PostgreSQL's query in `store` builds the same bytes)."""
    name = (topic or "").encode()
    return originator_bytes(originator_id) + _VERSION_AND_TOPIC_LENGTH.pack(version, len(name)) + name + (state or b"")


def content_hash(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def link(previous: bytes, notification_id: int, content_digest: bytes) -> bytes:
    return hashlib.sha256(previous + ID.pack(notification_id) + content_digest).digest()


def chain(previous: bytes, records: Iterable[tuple[int, bytes]]) -> list[tuple[int, bytes, bytes]]:
    """(notification id, content hash, hash) of each (notification id, content), from `previous`."""
    sha256, pack = hashlib.sha256, ID.pack
    out = []
    for notification_id, data in records:
        digest = sha256(data).digest()
        previous = sha256(previous + pack(notification_id) + digest).digest()
        out.append((notification_id, digest, previous))
    return out
