"""`ecovid-ops verify-chain SERVICE`: walks the stored events, the chain and the checkpoints, and
reports the first problem with its position.

In notification order, each chained record's link must follow from the previous one
(hash(N) = SHA-256(hash(P) || N || content_hash(N)): else the chain itself was altered, or records
removed from both the events and the chain), each stored event's content must hash to what was
sealed (else it was altered; or moved, when its hash is one sealed at another id: re-ordered, or
swapped when the two exchanged places), no chained record may be missing from the events
(deleted) and no event may sit below the chain's head without a link (inserted). Each checkpoint
must carry a valid signature by a known key, name a chained record, and hold the chain's hash
there: a chain and events rewritten consistently after the fact still differ from the checkpoint
signed before (found at the checkpoint, between it and the previous one that matches).

Events after the chain's head are not sealed yet (the sealer follows the log within a second):
counted, not judged. Records after the last checkpoint are protected by the chain table only.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from ecovid_platform.chain import links
from ecovid_platform.chain.keys import Checkpoint, Verifier
from ecovid_platform.chain.store import LOWEST, ChainStore, EventLog, Link, Record

_NEVER = 2**63


@dataclass(frozen=True)
class Problem:
    # altered, deleted, inserted, re-ordered, swapped, chain altered, checkpoint invalid, rewritten,
    # checkpoint deleted
    kind: str
    position: int
    detail: str
    other: int | None = None

    def line(self, service: str) -> str:
        return f"{service}: {self.kind} at {self.position}: {self.detail}"


@dataclass
class Report:
    service: str
    records: int = 0  # chained records walked
    head: int | None = None
    checkpoints: int = 0
    last_checkpoint: Checkpoint | None = None  # the last one that matched
    after_last_checkpoint: int = 0
    unsealed: int = 0
    problem: Problem | None = None
    seconds: float = 0.0
    development_key: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.problem is None

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        if self.problem is not None:
            return f"TAMPERED {self.problem.line(self.service)}"
        last = self.last_checkpoint
        checkpoint = (f"last checkpoint at {last.notification_id} signed {last.signed_at.isoformat()} "
                      f"(key {last.key_id}{', the DEVELOPMENT key' if self.development_key else ''})"
                      if last is not None else "no checkpoint yet")
        head = self.head if self.head is not None else "none"
        return (f"{self.service}: chain intact: {self.records:,} records, head {head}, {checkpoint}; "
                f"{self.after_last_checkpoint:,} after it, {self.unsealed:,} not sealed yet")


class _Found(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


class Walk:
    def __init__(self, service: str, log: EventLog, chain: ChainStore, verifier: Verifier,
                 stored: Sequence[Checkpoint], published: Sequence[Checkpoint], batch_size: int) -> None:
        self.service, self.log, self.chain, self.verifier = service, log, chain, verifier
        self.batch_size = batch_size
        self.checkpoints = sorted([*stored, *published], key=lambda c: c.notification_id)
        self.refused = {id(c): self.verifier.refusal(c, service) for c in self.checkpoints}
        # Published copies whose checkpoint the table no longer holds.
        kept = {(c.notification_id, c.hash, c.signature) for c in stored}
        self.unkept = {id(c) for c in published if (c.notification_id, c.hash, c.signature) not in kept}
        self.next_checkpoint = 0  # index into self.checkpoints
        self.report = Report(service, checkpoints=len(self.checkpoints), development_key=verifier.is_development)
        self.previous, self.previous_id = links.genesis(service), 0

    def run(self) -> Report:
        started = time.perf_counter()
        try:
            for records, chained in self._ranges():
                self._range(records, chained)
            self._beyond_head()
        except _Found as found:
            self.report.problem = found.problem
        self.report.seconds = time.perf_counter() - started
        if self.report.problem is None:
            last = self.report.last_checkpoint
            self.report.after_last_checkpoint = self.chain.count(after=last.notification_id if last else LOWEST)
            self.report.unsealed = self.log.count_after(self.report.head or 0)
        return self.report

    # -- reading: the next range is fetched while this one is hashed --------------------------

    def _fetch(self, after: int) -> tuple[list[Record], list[Link]]:
        chained = self.chain.links(after, self.batch_size)
        if not chained:
            return [], []
        return self.log.read(after, None, chained[-1][0]), chained

    def _ranges(self) -> Iterator[tuple[list[Record], list[Link]]]:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="verify-chain") as reader:
            pending: Future[tuple[list[Record], list[Link]]] = reader.submit(self._fetch, LOWEST)
            while True:
                records, chained = pending.result()
                if not chained:
                    return
                pending = reader.submit(self._fetch, chained[-1][0])
                yield records, chained

    # -- judging ----------------------------------------------------------------------------

    def _range(self, records: list[Record], chained: list[Link]) -> None:
        same = len(records) == len(chained) and [r[0] for r in records] == [c[0] for c in chained]
        if same:
            self._walk(records, chained)
            return
        k = 0
        while k < len(records) and k < len(chained) and records[k][0] == chained[k][0]:
            k += 1
        self._walk(records[:k], chained[:k])
        if k < len(records) and (k >= len(chained) or records[k][0] < chained[k][0]):
            position = records[k][0]
            raise _Found(Problem("inserted", position, f"stored event {position} is not in the chain, which goes on "
                                                       f"past it: it was added to the events after sealing"))
        position = chained[k][0]
        raise _Found(Problem("deleted", position, f"chained record {position} is missing from the stored events"))

    def _walk(self, records: list[Record], chained: list[Link]) -> None:
        """Records and links with the same ids, in order: the hot loop."""
        sha256, pack = hashlib.sha256, links.ID.pack
        previous, previous_id = self.previous, self.previous_id
        upcoming = self._upcoming()
        for (position, data), (_, digest, chain_hash) in zip(records, chained, strict=True):
            if sha256(previous + pack(position) + digest).digest() != chain_hash:
                raise _Found(self._broken_link(position, previous_id))
            if sha256(data).digest() != digest:
                raise _Found(self._content(position, data, digest))
            if position >= upcoming:
                self._at_checkpoints(position, chain_hash)
                upcoming = self._upcoming()
            previous, previous_id = chain_hash, position
        self.previous, self.previous_id = previous, previous_id
        self.report.records += len(chained)
        if chained:
            self.report.head = chained[-1][0]

    def _upcoming(self) -> int:
        return self.checkpoints[self.next_checkpoint].notification_id \
            if self.next_checkpoint < len(self.checkpoints) else _NEVER

    def _at_checkpoints(self, position: int, chain_hash: bytes) -> None:
        """Every checkpoint at or before this record: genuine, at a chained record, and equal to it."""
        while self.next_checkpoint < len(self.checkpoints) and \
                self.checkpoints[self.next_checkpoint].notification_id <= position:
            checkpoint = self.checkpoints[self.next_checkpoint]
            self.next_checkpoint += 1
            self._judge(checkpoint, chain_hash if checkpoint.notification_id == position else None)

    def _judge(self, checkpoint: Checkpoint, chain_hash: bytes | None) -> None:
        at = checkpoint.notification_id
        refused = self.refused[id(checkpoint)]
        if refused is not None:
            raise _Found(Problem("checkpoint invalid", at, f"the checkpoint at {at} is not genuine: {refused}"))
        if chain_hash is None:
            raise _Found(Problem("deleted", at, f"the checkpoint at {at} names a record missing from the chain "
                                                f"(removed from the events and the chain)"))
        if chain_hash != checkpoint.hash:
            good = self.report.last_checkpoint
            since = f"after the checkpoint at {good.notification_id}, which matches" if good else "from the start"
            raise _Found(Problem("rewritten", at, f"the chain's hash at {at} differs from the one signed in the "
                                                  f"checkpoint of {checkpoint.signed_at.isoformat()}: events and "
                                                  f"chain were rewritten consistently, {since}"))
        if id(checkpoint) in self.unkept:
            raise _Found(Problem("checkpoint deleted", at, f"the checkpoint at {at} published on ops.checkpoints "
                                                           f"is missing from the checkpoint table"))
        self.report.last_checkpoint = checkpoint

    def _broken_link(self, position: int, previous_id: int) -> Problem:
        if position > previous_id + 1:
            first = previous_id + 1
            return Problem("deleted", first, f"chained record {position}'s link does not follow from "
                                             f"{previous_id or 'the start'}'s: records {first}..{position - 1} were "
                                             f"removed from the events and the chain (or link {position} altered)",
                           other=position)
        return Problem("chain altered", position, f"chained record {position}'s link does not follow from "
                                                  f"{previous_id or 'the start'}'s: the chain table was altered")

    def _content(self, position: int, data: bytes, sealed: bytes) -> Problem:
        found = hashlib.sha256(data).digest()
        elsewhere = [other for other in self.chain.holding(found) if other != position]
        if not elsewhere:
            return Problem("altered", position, f"stored event {position}'s content differs from what was sealed")
        other = elsewhere[0]
        there = self.log.read(other - 1, 1, other)
        if there and there[0][0] == other and hashlib.sha256(there[0][1]).digest() == sealed:
            low, high = sorted((position, other))
            return Problem("swapped", low, f"stored events {low} and {high} exchanged their places "
                                           f"(each holds what was sealed at the other)", other=high)
        return Problem("re-ordered", position, f"stored event {position} holds the record sealed at {other}",
                       other=other)

    def _beyond_head(self) -> None:
        """Checkpoints past the chain's head: the records they name were removed (the tail)."""
        for checkpoint in self.checkpoints[self.next_checkpoint:]:
            self.next_checkpoint += 1
            self._judge(checkpoint, None)


def verify(service: str, log: EventLog, chain: ChainStore, verifier: Verifier, *,
           published: Sequence[Checkpoint] = (), batch_size: int = 20_000) -> Report:
    """Walks the whole chain; `published`: checkpoints read elsewhere (`ops.checkpoints`) besides the table's."""
    return Walk(service, log, chain, verifier, chain.checkpoints(), published, batch_size).run()


async def published_checkpoints(bootstrap: str, service: str) -> list[Checkpoint]:
    """The service's checkpoints as published on `ops.checkpoints`, from the topic's first record."""
    from ecovid_events import topics
    from ecovid_events.ops import ChainCheckpointed
    from ecovid_platform.chain.sealer import checkpoint_from
    from ecovid_platform.rebuild.topics import TopicReader

    reader = TopicReader(bootstrap, [topics.OPS_CHECKPOINTS], {"ChainCheckpointed"})
    await reader.start()
    try:
        found = []
        async for _, events in reader.to_end():
            found += [checkpoint_from(e) for e in events
                      if isinstance(e, ChainCheckpointed) and e.payload.service == service]
        return found
    finally:
        await reader.stop()
