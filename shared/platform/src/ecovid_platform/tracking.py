"""Event-sourced effects of consumed events, saved with the consumer's tracking position.

A partition's share of a batch is saved in one transaction with one tracking record
(`<consumer>:<topic>:<partition>`, the last offset): a redelivered message at or
below the recorded offset has no second effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

import structlog
from eventsourcing.persistence import IntegrityError, Tracking

from ecovid_platform.application import ServiceApplication
from ecovid_platform.inbox import log_applied


class TrackedCommands:
    def __init__(self, consumer: str, app: ServiceApplication, max_attempts: int) -> None:
        self.consumer, self.app, self.max_attempts = consumer, app, max_attempts

    def apply(self, batch: Sequence[Any], handlers: dict[str, Any]) -> None:
        ordered = sorted(batch, key=lambda d: (d.topic, d.partition, d.offset))
        for (topic, partition), share in groupby(ordered, key=lambda d: (d.topic, d.partition)):
            self._apply_partition(f"{self.consumer}:{topic}:{partition}", list(share), handlers)

    def _apply_partition(self, position: str, share: list[Any], handlers: dict[str, Any]) -> None:
        recorder = self.app.process_recorder
        for attempt in range(1, self.max_attempts + 1):
            done_up_to = recorder.max_tracking_id(position)
            todo = [d for d in share if done_up_to is None or d.offset > done_up_to]
            if not todo:
                return
            aggregates = [a for d in todo for a in self._effects(d, handlers)]
            try:
                self.app.save_tracked(*aggregates, tracking=Tracking(position, todo[-1].offset))
            except IntegrityError:
                if attempt == self.max_attempts:
                    raise
                continue
            for delivery in todo:
                log_applied(self.consumer, delivery.event)
            return

    @staticmethod
    def _effects(delivery: Any, handlers: dict[str, Any]) -> Sequence[Any]:
        with structlog.contextvars.bound_contextvars(
            correlation_id=delivery.event.correlation_id, patient_id=str(delivery.event.patient_id or "")
        ):
            return handlers[delivery.event.event_type].apply(delivery.event)

