"""What a read model is made of, for the service that keeps it and for its rebuild.

A read model is a set of tables fed by the service's own events (a local projection,
from the notification log) and/or by other services' topics (a Kafka consumer). Every
`Projects` handler of that consumer belongs to the read model, so the consumer's inbox
speaks for this read model alone: the unit of a rebuild.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from ecovid_platform.application import ServiceApplication
from ecovid_platform.consumer import Projects
from ecovid_platform.light import LightTopics
from ecovid_platform.projector import Projection, Translate


@dataclass(frozen=True)
class Consumed:
    """The share of a read model that comes through Kafka: the live consumer's name (its
    inbox), the topics it reads and its read-model handlers."""

    consumer: str
    topics: tuple[str, ...]
    handlers: dict[str, Projects]


@dataclass(frozen=True)
class ReadModel:
    name: str
    tables: Sequence[sa.Table]
    local: Projection | None = None
    consumed: Consumed | None = None

    def __post_init__(self) -> None:
        if self.local is None and self.consumed is None:
            raise ValueError(f"read model {self.name} is fed by nothing")


@dataclass(frozen=True)
class ServiceReadModels:
    """Everything an operator tool needs to rebuild a service's read models."""

    service: str
    application: type[ServiceApplication]
    translate: Translate
    read_models: Sequence[ReadModel] = field(default=())
    # Stored topics a rebuild decodes without the mapper and `translate` (ecovid_platform.light).
    light: LightTopics = field(default_factory=dict)
    # Called on the application before it is used (the settings a service applies at start).
    configure: Callable[[ServiceApplication], None] | None = None

    def find(self, name: str) -> ReadModel:
        for model in self.read_models:
            if model.name == name:
                return model
        known = ", ".join(m.name for m in self.read_models) or "none"
        raise KeyError(f"{self.service} has no read model {name!r} (it has: {known})")
