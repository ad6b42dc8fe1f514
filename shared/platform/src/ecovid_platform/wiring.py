"""One wiring point per service: settings, storage, event store, broker, relay, consumers, HTTP.

A service's `bootstrap.py` asks this for its parts and adds only its own
routes, translations and handlers.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import uvloop
from fastapi import APIRouter, Depends, FastAPI
from faststream.kafka import KafkaBroker

from ecovid_platform.application import ServiceApplication
from ecovid_platform.bodies import install_body_guard
from ecovid_platform.chain.keys import Signer
from ecovid_platform.chain.sealer import CheckpointRelay, Sealer
from ecovid_platform.consumer import Handler, IdempotentConsumer
from ecovid_platform.health import CHECK_TIMEOUT_SECONDS, Check, NotReady, consumers_joined, health_router
from ecovid_platform.http import install_correlation, install_error_handlers, internal_token_guard
from ecovid_platform.identity import KafkaPeek
from ecovid_platform.integration import Translate
from ecovid_platform.logging import configure_logging
from ecovid_platform.outbox import OutboxRelay
from ecovid_platform.projector import LocalProjector, Projection
from ecovid_platform.runtime import ServiceProcess
from ecovid_platform.settings import ServiceSettings, load
from ecovid_platform.storage import Storage


@dataclass
class Wiring:
    service: str
    settings: ServiceSettings
    storage: Storage
    app: ServiceApplication
    broker: KafkaBroker
    relay: OutboxRelay | None = None
    consumers: list[IdempotentConsumer] = field(default_factory=list)
    projector: LocalProjector | None = None
    sealer: Sealer | None = None
    checkpoint_relay: CheckpointRelay | None = None

    def __post_init__(self) -> None:
        # Every service's stored events are chained, and the chain's checkpoints published.
        s = self.settings
        self.sealer = Sealer(
            service=self.service, app=self.app, storage=self.storage,
            signer=Signer(self.service, s.checkpoint_signer_key()),
            checkpoint_records=s.chain_checkpoint_records, checkpoint_seconds=s.chain_checkpoint_seconds,
            # Nobody waits on the seal: bigger, cheaper batches, at most a second behind the log.
            linger_seconds=s.consumer_relaxed_linger_ms / 1000,
        )
        self.checkpoint_relay = CheckpointRelay(service=self.service, storage=self.storage,
                                                bootstrap=s.kafka_bootstrap)
        self.sealer.on_checkpoint = self.checkpoint_relay.wake

    def publish_through_outbox(self, translate: Translate, topic: str) -> None:
        self.relay = OutboxRelay(
            name=f"{self.service}.outbox",
            app=self.app,
            storage=self.storage,
            translate=translate,
            topic=topic,
            bootstrap=self.settings.kafka_bootstrap,
            linger_seconds=self.settings.outbox_linger_ms / 1000,
        )

    def project_locally(self, translate: Translate, projections: Sequence[Projection], *, urgent: bool = True) -> None:
        """The service's own events feed these read models from its notification log (no Kafka).

        `urgent=False` as for consumers: read models nobody waits on within the second take
        what is saved for a while after a wake-up, in one bigger, cheaper transaction.
        """
        s = self.settings
        self.projector = LocalProjector(
            app=self.app, storage=self.storage, translate=translate, projections=projections,
            linger_seconds=(s.consumer_linger_ms if urgent else s.consumer_relaxed_linger_ms) / 1000,
        )

    def consume(
        self, name: str, topics: str | Sequence[str], handlers: dict[str, Handler], *, urgent: bool = True,
        decode: Callable[[Any], Any] | None = None,
    ) -> None:
        """One consumer group over one or several topics.

        `urgent=False` for read models nobody waits on within the second (timeline,
        lists, search): they pause after a short batch and so take bigger, cheaper ones,
        and an empty fetch waits as long (fewer idle round trips to the broker).
        """
        s = self.settings
        # `decode`: for topics whose records are not integration events (see IdempotentConsumer).
        relaxed = max(s.consumer_fetch_max_wait_ms, s.consumer_relaxed_linger_ms)
        wait = s.consumer_fetch_max_wait_ms if urgent else relaxed
        self.consumers.append(IdempotentConsumer(
            name=name,
            topics=[topics] if isinstance(topics, str) else topics,
            handlers=handlers,
            storage=self.storage,
            app=self.app,
            max_attempts=s.consumer_max_attempts,
            retry_delay=s.consumer_retry_delay_seconds,
            fetch_max_wait_ms=wait,
            linger_ms=s.consumer_linger_ms if urgent else s.consumer_relaxed_linger_ms,
            # NOT ENABLED: with a KafkaPeek per consumer, test_restart's broker-restart test
            # fails (consumers stall on "cannot check", relays find their topic empty in a
            # loop). The check stays off until that is understood.
            peek=KafkaPeek(s.kafka_bootstrap) if s.consumer_topic_identity_check else None,
            decode=decode,
        ))

    def http(self, routers: Sequence[APIRouter]) -> FastAPI:
        """Internal API of the service: only holders of the internal token may call it."""
        api = FastAPI(title=self.service, docs_url=None, redoc_url=None)
        install_error_handlers(api)
        install_body_guard(api)
        install_correlation(api, self.service)
        api.include_router(self.health())
        guard = Depends(internal_token_guard(self.settings.internal_token.get_secret_value()))
        for router in routers:
            api.include_router(router, dependencies=[guard])
        return api

    def health(self, more: dict[str, Check] | None = None, *, timeout: float = CHECK_TIMEOUT_SECONDS) -> APIRouter:
        """Live and ready: the database, the broker, the consumers in their groups, and `more`
        (the gateway adds each service it forwards to)."""
        return health_router(self.service, {
            "database": self._database_ready, "broker": self._broker_ready,
            "consumers": consumers_joined(self.broker), **(more or {}),
        }, timeout=timeout)

    def process(
        self, http: FastAPI, background: Sequence[Callable[[], Awaitable[None]]] = (),
        closing: Sequence[Callable[[], Awaitable[None]]] = (),
    ) -> ServiceProcess:
        return ServiceProcess(
            name=self.service, settings=self.settings, http=http, broker=self.broker,
            relay=self.relay, consumers=self.consumers,
            background=[*background, *([self.projector.run] if self.projector is not None else []),
                        *([self.sealer.run] if self.sealer is not None else []),
                        *([self.checkpoint_relay.run] if self.checkpoint_relay is not None else [])],
            closing=list(closing),
        )

    async def _database_ready(self) -> None:
        try:
            await asyncio.to_thread(self.storage.ping)
        except Exception as error:
            raise NotReady(f"database unreachable ({type(error).__name__})") from error

    async def _broker_ready(self) -> None:
        if not await self.broker.ping(timeout=CHECK_TIMEOUT_SECONDS / 2):
            raise NotReady(f"broker {self.settings.kafka_bootstrap} does not answer")


def wire(
    service: str,
    app_class: type[ServiceApplication],
    settings: ServiceSettings | None = None,
    read_models: Sequence[sa.MetaData] = (),
) -> Wiring:
    settings = settings or load(ServiceSettings, service)
    configure_logging(service, json=settings.log_json, level=settings.log_level)
    storage = Storage(service, settings)
    storage.create_tables(*read_models)
    app = app_class(env=storage.eventsourcing_env())
    broker = KafkaBroker(settings.kafka_bootstrap, client_id=service, logger=None)
    return Wiring(service, settings, storage, app, broker)


def run(process: ServiceProcess) -> None:
    # What start-up built lives as long as the process: the collector need not walk it
    # again, and a request makes hundreds of short-lived objects, so collect less often
    # (about 5 % of the stack's CPU under load, measured with the bench).
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)
    # uvloop: the HTTP server, the Kafka clients and the relay share one loop per process.
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        sys.exit(runner.run(process.run()))
