"""The `orbit` command: set-up, data generation and ingest, and the server."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from orbit.accounts import service as accounts
from orbit.datagen import generate as datagen
from orbit.datasets import service as datasets
from orbit.errors import IngestError, OrbitError
from orbit.metadata import db
from orbit.runs import service as runs
from orbit.settings import Settings
from orbit.warehouse import loads, schema
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.factory import open_warehouse

app = typer.Typer(help="Orbit: a self-hostable audience-intent API.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organizations: create, list, slots, (de)activate.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)
app.add_typer(orgs_app, name="orgs")
app.add_typer(keys_app, name="keys")
console = Console()
DEMO_ORG = "Demo Organization"


def _settings() -> Settings:
    return Settings()


@contextmanager
def _progress(title: str) -> Iterator[datagen.Progress]:
    with Progress(
        TextColumn(f"[bold]{title}[/]"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
    ) as bar:
        task = bar.add_task("", total=1)

        def step(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        yield step


def _stores(settings: Settings) -> tuple[Warehouse, Engine]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = db.make_engine(settings.metadata_url)
    db.migrate(engine)
    wh = open_warehouse(settings)
    schema.migrate(wh)
    return wh, engine


def _yesterday() -> date:
    return datetime.now(UTC).date() - timedelta(days=1)


@app.command()
def init() -> None:
    """Create the data directory, migrate the metadata DB and the warehouse schema."""
    settings = _settings()
    wh, engine = _stores(settings)
    wh.close()
    engine.dispose()
    console.print(f"[green]ready[/] data directory {settings.data_dir.resolve()}")


@app.command("datagen")
def datagen_cmd(
    out: Annotated[Path, typer.Option(help="Directory to write Parquet files into")],
    scale: Annotated[float, typer.Option(min=0.001, max=10, help="1 = 2M people, 300k companies, ~30M signals/day")] = 0.05,
    days: Annotated[int, typer.Option(min=1, max=120)] = 14,
    seed: Annotated[int, typer.Option()] = 42,
    end_date: Annotated[str | None, typer.Option(help="Last data date (YYYY-MM-DD); default yesterday UTC")] = None,
    topics: Annotated[Path | None, typer.Option(help="Your own taxonomy (CSV, JSON or Parquet) instead of the built-in one")] = None,
) -> None:
    """Generate a deterministic synthetic data set (topics, companies, persons, daily signals)."""
    end = date.fromisoformat(end_date) if end_date else _yesterday()
    started = time.perf_counter()
    try:
        with _progress("datagen") as step:
            report = datagen.generate(
                out, seed=seed, scale=scale, days=days, end_date=end, topics_file=topics, progress=step
            )
    except ValueError as exc:
        console.print(f"[red]datagen failed:[/] {exc}")
        raise typer.Exit(2) from exc
    console.print(
        f"[green]wrote[/] {report.topics:,} topics, {report.companies:,} companies, "
        f"{report.persons:,} persons, {sum(report.signal_rows.values()):,} signal rows "
        f"over {len(report.signal_rows)} days to {out} in {time.perf_counter() - started:.1f}s"
    )


@app.command()
def ingest(
    directory: Annotated[Path, typer.Argument(help="A directory written by `orbit datagen` (or in its layout)")],
    kind: Annotated[list[str] | None, typer.Option(help="Load only these kinds: topics, companies, persons, signals")] = None,
    day: Annotated[list[str] | None, typer.Option("--date", help="Load only these signal dates (YYYY-MM-DD)")] = None,
) -> None:
    """Load Parquet files into the warehouse; each table and each day is swapped in atomically."""
    settings = _settings()
    wh, engine = _stores(settings)
    sessions = db.make_sessions(engine)
    started = time.perf_counter()
    try:
        days = [date.fromisoformat(d) for d in day] if day else None
        kinds = tuple(kind) if kind else (*datasets.DIMENSIONS, "signals")
        with _progress("ingest") as step:
            report = datasets.ingest_directory(wh, sessions, directory, kinds=kinds, days=days, progress=step)
    except (IngestError, ValueError) as exc:
        console.print(f"[red]ingest failed:[/] {getattr(exc, 'message', exc)}")
        raise typer.Exit(2) from exc
    finally:
        wh.close()
        engine.dispose()
    if report.days:
        _queue_daily(settings)
    rows = sum(report.days.values())
    console.print(
        f"[green]loaded[/] {', '.join(f'{k} {v:,}' for k, v in report.dimensions.items()) or 'no dimensions'}; "
        f"{len(report.days)} days, {rows:,} signal rows in {time.perf_counter() - started:.1f}s"
    )


@app.command("load-topics")
def load_topics(
    path: Annotated[Path, typer.Argument(help="CSV (topic_id,name,type,industry,category,description,keywords), JSON or Parquet")],
) -> None:
    """Replace the topic inventory with your own taxonomy (signals must use its topic ids)."""
    import tempfile

    from orbit.datagen import taxonomy

    try:
        records = taxonomy.load_topics_file(path)
    except (ValueError, OSError) as exc:
        console.print(f"[red]invalid taxonomy:[/] {exc}")
        raise typer.Exit(2) from exc
    settings = _settings()
    wh, engine = _stores(settings)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            staged = Path(tmp) / "topics.parquet"
            datagen.write_parquet(taxonomy.topics_table(records), staged)
            rows = datasets.ingest_dimension(wh, db.make_sessions(engine), kind="topics", path=staged)
    except IngestError as exc:
        console.print(f"[red]load failed:[/] {exc.message}")
        raise typer.Exit(2) from exc
    finally:
        wh.close()
        engine.dispose()
    console.print(f"[green]loaded[/] {rows:,} topics from {path}")


@contextmanager
def _metadata() -> Iterator[Session]:
    """One short transaction on the migrated metadata DB; OrbitErrors exit with their message."""
    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = db.make_engine(settings.metadata_url)
    try:
        db.migrate(engine)
        with db.make_sessions(engine).begin() as session:
            yield session
    except OrbitError as exc:
        console.print(f"[red]{exc.code}:[/] {exc.message}")
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()


def _print_new_key(org_name: str, new: accounts.NewKey) -> None:
    console.print(f"API key for [bold]{org_name}[/] (shown once, store it now):")
    console.print(f"  [bold green]{new.secret}[/]", soft_wrap=True)
    console.print(f"  id {new.key.id}, prefix {new.key.prefix}", soft_wrap=True)


def _queue_daily(settings: Settings) -> None:
    """A data date finished loading: queue the daily run of every active audience."""
    engine = db.make_engine(settings.metadata_url)
    try:
        with db.make_sessions(engine).begin() as session:
            db.begin_write(session)
            dates = datasets.ready_dates(session)
            queued = runs.queue_daily_runs(session, data_date=dates[-1]) if dates else []
    finally:
        engine.dispose()
    if queued:
        console.print(f"queued {len(queued)} daily runs for {dates[-1]}")


@app.command()
def worker(
    threads: Annotated[int, typer.Option(min=1, max=16, help="Worker threads in this process")] = 1,
) -> None:
    """Process queued runs (and the daily schedule) without serving HTTP.

    With the embedded chDB warehouse only one process may open the data directory, so run this
    instead of `orbit serve`'s embedded workers, or use the ClickHouse-server backend.
    """
    import signal
    import threading

    from orbit.runs.worker import Background
    from orbit.topics.service import TopicCatalog

    settings = _settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    wh, engine = _stores(settings)
    sessions = db.make_sessions(engine)
    background = Background(wh, sessions, TopicCatalog(wh, sessions).current, settings.runs, workers=threads)
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    background.start()
    console.print(f"worker running with {threads} thread(s); Ctrl-C to stop")
    stopped.wait()
    background.close()
    wh.close()
    engine.dispose()


@orgs_app.command("create")
def orgs_create(
    name: str,
    slots: Annotated[int, typer.Option(min=0, help="Active-audience slots")] = 10,
    with_key: Annotated[bool, typer.Option("--with-key/--no-key", help="Also create its first API key")] = True,
) -> None:
    """Create an organization (and its first API key)."""
    with _metadata() as session:
        org = accounts.create_organization(session, name=name, audience_slots=slots)
        console.print(f"[green]created[/] organization {org.name} — id {org.id}, {org.audience_slots} slots")
        if with_key:
            _print_new_key(org.name, accounts.create_api_key(session, org_ref=org.id, name="first key"))


@orgs_app.command("list")
def orgs_list() -> None:
    """List organizations."""
    with _metadata() as session:
        table = Table("id", "name", "active", "slots", "created")
        for org in accounts.list_organizations(session):
            table.add_row(
                org.id, org.name, "yes" if org.is_active else "no", str(org.audience_slots),
                f"{org.created_at:%Y-%m-%d %H:%M}",
            )
        console.print(table)


@orgs_app.command("set-slots")
def orgs_set_slots(org: Annotated[str, typer.Argument(help="Organization id or name")], slots: int) -> None:
    """Set how many audiences an organization may keep active."""
    with _metadata() as session:
        o = accounts.set_audience_slots(session, ref=org, slots=slots)
        console.print(f"[green]{o.name}[/] now has {o.audience_slots} audience slots")


@orgs_app.command("deactivate")
def orgs_deactivate(org: Annotated[str, typer.Argument(help="Organization id or name")]) -> None:
    """Deactivate an organization: its keys and tokens answer 403 from now on."""
    with _metadata() as session:
        console.print(f"[yellow]deactivated[/] {accounts.set_active(session, ref=org, active=False).name}")


@orgs_app.command("activate")
def orgs_activate(org: Annotated[str, typer.Argument(help="Organization id or name")]) -> None:
    """Re-activate an organization."""
    with _metadata() as session:
        console.print(f"[green]activated[/] {accounts.set_active(session, ref=org, active=True).name}")


@keys_app.command("create")
def keys_create(
    org: Annotated[str, typer.Option("--org", help="Organization id or name")],
    name: Annotated[str, typer.Option(help="A label for the key")] = "",
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    with _metadata() as session:
        o = accounts.get_organization(session, ref=org)
        _print_new_key(o.name, accounts.create_api_key(session, org_ref=o.id, name=name))


@keys_app.command("list")
def keys_list(org: Annotated[str | None, typer.Option("--org", help="Only this organization")] = None) -> None:
    """List API keys (prefixes only; secrets are never stored)."""
    with _metadata() as session:
        names = {o.id: o.name for o in accounts.list_organizations(session)}
        table = Table("id", "prefix", "organization", "name", "created", "last used", "revoked")
        for k in accounts.list_api_keys(session, org_ref=org):
            table.add_row(
                k.id, k.prefix + "…", names.get(k.organization_id, k.organization_id), k.name,
                f"{k.created_at:%Y-%m-%d %H:%M}",
                f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "-",
                f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "-",
            )
        console.print(table)


@keys_app.command("revoke")
def keys_revoke(key: Annotated[str, typer.Argument(help="Key id or its display prefix")]) -> None:
    """Revoke an API key; it answers 401 at once, in every process."""
    with _metadata() as session:
        k = accounts.revoke_api_key(session, key_ref=key)
        console.print(f"[yellow]revoked[/] {k.prefix}… ({k.id})")


def _demo_org(sessions: sessionmaker[Session], base_url: str) -> None:
    """On an empty metadata DB: a demo organization and one key, printed once."""
    with sessions.begin() as session:
        if accounts.list_organizations(session):
            return
        org = accounts.create_organization(session, name=DEMO_ORG)
        new = accounts.create_api_key(session, org_ref=org.id, name="demo key")
    _print_new_key(org.name, new)
    console.print(f"  try: curl -H 'X-API-Key: {new.secret}' {base_url}/v1/intent/account", soft_wrap=True)


def _demo(settings: Settings) -> None:
    """Generate and load the demo data set when the warehouse holds nothing yet."""
    wh, engine = _stores(settings)
    sessions = db.make_sessions(engine)
    try:
        _demo_org(sessions, f"http://{settings.host}:{settings.port}")
        with sessions() as session:
            empty = datasets.is_empty(session)
        if not empty:
            console.print("[green]data present[/] — reusing it")
            return
        out = settings.data_dir / "demo-data"
        demo = settings.demo
        console.print(f"generating demo data: scale {demo.scale}, {demo.days} days, seed {demo.seed}")
        with _progress("datagen") as step:
            datagen.generate(out, seed=demo.seed, scale=demo.scale, days=demo.days, end_date=_yesterday(), progress=step)
        with _progress("ingest") as step:
            datasets.ingest_directory(wh, sessions, out, progress=step)
    finally:
        wh.close()
        engine.dispose()


@app.command()
def demo() -> None:
    """Initialise the data directory and load demo data if the warehouse is empty."""
    _demo(_settings())


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    with_demo: Annotated[bool, typer.Option("--demo/--no-demo", help="Load demo data first if empty")] = False,
) -> None:
    """Serve the API (and, in the embedded default, everything else) in this process."""
    import uvicorn

    from orbit.app import create_app
    from orbit.http.middleware import RequestIdFilter

    settings = _settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdFilter())
    if with_demo:
        _demo(settings)
    else:
        wh, engine = _stores(settings)
        wh.close()
        engine.dispose()
    h, p = host or settings.host, port or settings.port
    console.print(f"Orbit API on [bold]http://{h}:{p}[/] — docs at http://{h}:{p}/docs, OpenAPI at http://{h}:{p}/openapi-intent.json")
    uvicorn.run(create_app(settings), host=h, port=p, log_level=settings.log_level, access_log=False)


@app.command()
def status() -> None:
    """Show loaded data dates and warehouse table sizes."""
    settings = _settings()
    wh, engine = _stores(settings)
    sessions = db.make_sessions(engine)
    try:
        with sessions() as session:
            dates = datasets.ready_dates(session)
        sizes = loads.table_sizes(wh)
    finally:
        wh.close()
        engine.dispose()
    table = Table("table", "rows", "MB on disk")
    for name, (rows, size) in sizes.items():
        table.add_row(name, f"{rows:,}", f"{size / 1e6:,.1f}")
    console.print(table)
    console.print(f"{len(dates)} ready days" + (f": {dates[0]} … {dates[-1]}" if dates else ""))
