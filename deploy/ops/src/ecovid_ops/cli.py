"""`ecovid-ops`: rebuild and verify read models, re-publish a service's events, migrate schemas,
verify a service's tamper-evidence chain.

It reads the services' own settings from the environment (POSTGRES_*, ECOVID_DATA_DIR,
ECOVID_KAFKA_BOOTSTRAP), so it runs beside a service with the service's environment.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from aiokafka.errors import KafkaConnectionError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ecovid_ops.services import SERVICES, Service

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
console = Console(stderr=True)
out = Console()

ServiceName = Annotated[str, typer.Argument(help=f"one of: {', '.join(SERVICES)}")]
ReadModelName = Annotated[str | None, typer.Argument(help="one read model (all of the service's when left out)")]
Wait = Annotated[float, typer.Option(help="verify: how long to wait for the live read model to catch up")]


def _service(name: str) -> Service:
    if name not in SERVICES:
        raise typer.BadParameter(f"unknown service {name!r}; one of: {', '.join(SERVICES)}", param_hint="SERVICE")
    return SERVICES[name]


def _settings() -> Any:
    from ecovid_platform.settings import ServiceSettings

    return ServiceSettings()


class _Bar:
    """The engine's progress callback drawn as rich progress bars, one per stage."""

    def __init__(self, progress: Progress, label: str) -> None:
        self.progress, self.label, self.tasks = progress, label, {}  # type: ignore[var-annotated]

    def __call__(self, stage: str, advance: int, total: int | None) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(f"{self.label}: {stage}", total=total or None)
        elif total is not None:
            self.progress.update(self.tasks[stage], total=total)
        if advance:
            self.progress.advance(self.tasks[stage], advance)


def _run(service: Service, read_model: str | None, *, verify: bool, wait: float) -> list[Any]:
    from ecovid_platform.rebuild.engine import rebuild

    try:
        catalogue = service.rebuildable()
        names = [read_model] if read_model else None
        if read_model:
            catalogue.find(read_model)
    except KeyError as error:
        raise typer.BadParameter(str(error.args[0]), param_hint="READ_MODEL") from None
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    settings = _settings()
    try:
        with Progress(*columns, console=console, transient=False) as progress:
            return asyncio.run(rebuild(catalogue, names, settings, verify=verify,
                                       progress=_Bar(progress, service.name), wait_seconds=wait))
    except KafkaConnectionError as error:
        console.print(f"[red]broker unreachable at {settings.kafka_bootstrap}[/]: {error}")
    except sa.exc.OperationalError as error:
        console.print(f"[red]database unreachable or locked[/]: {str(error.orig or error).strip()[:300]}")
    raise typer.Exit(2)


@app.command()
def rebuild(service: ServiceName, read_model: ReadModelName = None) -> None:
    """Rebuild read models into shadow tables from the event store and the consumed topics, then
    swap them in atomically. The live API keeps answering; nothing is published or notified."""
    outcomes = _run(_service(service), read_model, verify=False, wait=0)
    table = Table("read model", "own events", "consumed events", "rows", "replay s", "events/s", "swapped")
    for o in outcomes:
        table.add_row(o.read_model, str(o.own_events), str(o.consumed_events), str(sum(o.rows.values())),
                      f"{o.replay_seconds:.2f}", f"{o.events_per_second:,.0f}", "yes" if o.swapped else "NO")
    out.print(table)
    for o in outcomes:
        for problem in o.problems:
            out.print(f"[red]{service} {o.read_model}:[/] {problem}")
    if not all(o.swapped for o in outcomes):
        raise typer.Exit(1)


@app.command()
def verify(service: ServiceName, read_model: ReadModelName = None, wait: Wait = 30.0) -> None:
    """Rebuild into shadow tables and compare them with the live tables, row for row
    (exit 1 on any difference). The live tables are left as they are."""
    outcomes = _run(_service(service), read_model, verify=True, wait=wait)
    failed = False
    for o in outcomes:
        if not o.differences and not o.problems:
            out.print(f"[green]{service} {o.read_model}: equal to its rebuild[/] ({sum(o.rows.values())} rows)")
            continue
        failed = True
        verdict = f"{len(o.differences)} rows differ from the rebuild" if o.differences else "not compared"
        out.print(f"[red]{service} {o.read_model}: {verdict}[/]")
        for problem in o.problems:
            out.print(f"  {problem}")
        for d in o.differences[:20]:
            out.print(f"  {d.table} {d.key}: live {d.live} / rebuilt {d.rebuilt}")
        if len(o.differences) > 20:
            out.print(f"  … and {len(o.differences) - 20} more")
    if failed:
        raise typer.Exit(1)


@app.command()
def republish(service: ServiceName) -> None:
    """Publish every event of the service's event store again, from the start, with the same
    event ids (consumers apply each once): after a broker lost its topics."""
    from ecovid_platform.outbox import OutboxRelay
    from ecovid_platform.rebuild.engine import open_service
    from ecovid_platform.rebuild.model import ServiceReadModels

    found = _service(service)
    settings = _settings()
    storage, application = open_service(
        ServiceReadModels(found.name, found.load_application(), found.load_translate()), settings)
    relay = OutboxRelay(name=f"{found.name}.outbox", app=application, storage=storage,
                        translate=found.load_translate(), topic=found.topic, bootstrap=settings.kafka_bootstrap)
    with console.status(f"re-publishing {found.name} to {found.topic}"):
        count = asyncio.run(relay.republish_all())
    application.close()
    out.print(f"{found.name}: {count} stored events re-published to {found.topic}")


@app.command()
def migrate(services: Annotated[list[str] | None, typer.Argument(help="services (all when left out)")] = None) -> None:
    """Bring the services' read-model databases to the current schema (alembic)."""
    from ecovid_platform.migrations import migrate as migrate_service

    settings = _settings()
    for name in services or list(SERVICES):
        migrate_service(_service(name).name, settings)
        out.print(f"{name}: schema up to date")


def _chain_settings() -> Any:
    """The service's settings, but an operator verifying a chain needs no signing key: the public
    key (ECOVID_CHECKPOINT_PUBLIC_KEY) is enough, in production too."""
    from ecovid_platform.settings import ServiceSettings

    class VerifierSettings(ServiceSettings):
        def _checkpoint_key_in_production(self) -> Any:  # overrides the service's refusal
            return self

    return VerifierSettings()


@app.command("verify-chain")
def verify_chain(
    service: ServiceName,
    broker: Annotated[bool, typer.Option(help="also check the checkpoints published on ops.checkpoints")] = True,
    batch_size: Annotated[int, typer.Option(help="records read per query")] = 20_000,
) -> None:
    """Walk the service's stored events, its chain and its signed checkpoints; report the first
    altered, deleted, inserted or re-ordered record with its position (exit 1), or that the chain
    is intact (exit 0)."""
    found = _service(service)
    settings = _chain_settings()
    verifier = settings.checkpoint_verifier()
    if verifier.is_development:
        console.print("[yellow]warning:[/] checking against the DEVELOPMENT checkpoint key (anyone can sign with "
                      "it): set ECOVID_CHECKPOINT_PUBLIC_KEY", soft_wrap=True)
    try:
        report, published = _walk_chain(found, settings, verifier, broker=broker, batch_size=batch_size)
    except KafkaConnectionError as error:
        console.print(f"[red]broker unreachable at {settings.kafka_bootstrap}[/]: {error} "
                      "(--no-broker checks the stored checkpoints only)", soft_wrap=True)
        raise typer.Exit(2) from None
    except _database_errors() as error:
        cause = getattr(error, "orig", None) or error
        console.print(f"[red]database unreachable or locked[/]: {str(cause).strip()[:300]}", soft_wrap=True)
        raise typer.Exit(2) from None
    out.print(report.line(), highlight=False, soft_wrap=True)
    console.print(f"{report.records:,} records in {report.seconds:.2f} s ({report.records_per_second:,.0f} records/s); "
                  f"{report.checkpoints} checkpoints ({published} of them read from ops.checkpoints)",
                  highlight=False, soft_wrap=True)
    if not report.intact:
        raise typer.Exit(1)


def _database_errors() -> tuple[type[BaseException], ...]:
    import psycopg
    from eventsourcing.persistence import OperationalError as StoreUnreachable

    return sa.exc.OperationalError, psycopg.OperationalError, StoreUnreachable


def _walk_chain(found: Service, settings: Any, verifier: Any, *, broker: bool, batch_size: int) -> tuple[Any, int]:
    from ecovid_platform.chain.store import ChainStore, EventLog
    from ecovid_platform.chain.verify import published_checkpoints, verify
    from ecovid_platform.storage import Storage
    from ecovid_platform.tables import event_chain

    storage = Storage(found.name, settings)
    try:
        schema = storage.schema if settings.uses_postgres else None
        if not sa.inspect(storage.engine).has_table(event_chain.name, schema=schema):
            console.print(f"[red]{found.name} has no chain table yet[/]: start the service once, or "
                          f"`ecovid-ops migrate {found.name}`", soft_wrap=True)
            raise typer.Exit(2)
        published = asyncio.run(published_checkpoints(settings.kafka_bootstrap, found.name)) if broker else []
        application = found.load_application()(env=storage.eventsourcing_env())
        try:
            report = verify(found.name, EventLog(application), ChainStore(storage, found.name), verifier,
                            published=published, batch_size=batch_size)
        finally:
            application.close()
        return report, len(published)
    finally:
        storage.engine.dispose()


@app.command("checkpoint-key")
def checkpoint_key() -> None:
    """Make a new Ed25519 key pair for the chain's checkpoints: the private key for every service
    (ECOVID_CHECKPOINT_SIGNING_KEY, a secret), the public key for verify-chain."""
    from ecovid_platform.chain.keys import new_key_pair

    private, public = new_key_pair()
    out.print(f"ECOVID_CHECKPOINT_SIGNING_KEY={private}\nECOVID_CHECKPOINT_PUBLIC_KEY={public}", highlight=False)


def main() -> None:
    app()
