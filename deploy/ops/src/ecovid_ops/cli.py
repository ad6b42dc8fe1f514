"""`ecovid-ops`: rebuild and verify read models, re-publish a service's events, migrate schemas.

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


def main() -> None:
    app()
