"""The `orbit` command: set-up, data generation and ingest, and the server.

Every failure ends as one line on stderr and a non-zero exit code (README, "CLI errors"); the
traceback only with `--debug` or ORBIT_DEBUG=1.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from typer.core import TyperGroup

from orbit.accounts import service as accounts
from orbit.control import client as control
from orbit.control.channel import LoadRequest
from orbit.control.loader import queue_daily
from orbit.datagen import files
from orbit.datagen import generate as datagen
from orbit.datasets import service as datasets
from orbit.errors import IngestError, OrbitError, WarehouseUnavailable
from orbit.metadata import db
from orbit.settings import Settings
from orbit.warehouse import schema
from orbit.warehouse.backend import Warehouse, WarehouseQueryError
from orbit.warehouse.factory import open_warehouse

console = Console()
err_console = Console(stderr=True, soft_wrap=True, highlight=False)
DEMO_ORG = "Demo Organization"
EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 1, 2, 130


class CliFailure(Exception):
    """A failure the command has already put into words."""

    def __init__(self, message: str, *, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.message, self.exit_code = message, exit_code


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _settings_problem(exc: ValidationError) -> str:
    """`ORBIT_PORT: Input should be a valid integer; …` from a Settings validation error."""
    parts = []
    for err in exc.errors():
        loc = [str(part) for part in err["loc"]]
        msg = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"ORBIT_{'__'.join(loc).upper()}: {msg}" if loc else msg)
    return "; ".join(parts)


def describe_failure(exc: BaseException) -> tuple[str, int]:
    """The one line and the exit code an `orbit` command ends with when `exc` escapes it."""
    if isinstance(exc, CliFailure):
        return exc.message, exc.exit_code
    if isinstance(exc, WarehouseUnavailable):
        return exc.message, EXIT_FAILED
    if isinstance(exc, OrbitError):  # bad input: invalid file, unknown organization, name taken
        return exc.message, EXIT_BAD_INPUT
    if isinstance(exc, ValidationError):
        return f"invalid settings: {_settings_problem(exc)}", EXIT_BAD_INPUT
    if isinstance(exc, SettingsError):
        return f"invalid settings: {exc}", EXIT_BAD_INPUT
    if isinstance(exc, ArgumentError):
        return f"invalid metadata database URL (ORBIT_METADATA__URL): {_first_line(str(exc))}", EXIT_BAD_INPUT
    if isinstance(exc, DBAPIError):  # the driver's message names host and port, never the password
        return f"the metadata database is unreachable or failed: {_first_line(str(exc.orig))}", EXIT_FAILED
    if isinstance(exc, SQLAlchemyError):
        return f"metadata database error: {_first_line(str(exc))}", EXIT_FAILED
    if isinstance(exc, WarehouseQueryError):
        return f"warehouse query failed: {_first_line(str(exc))}", EXIT_FAILED
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}", EXIT_FAILED
    text = _first_line(str(exc))
    return f"unexpected {type(exc).__name__}{': ' + text if text else ''} (--debug shows the traceback)", EXIT_FAILED


def _usage_problem(exc: typer.TyperException) -> str:
    """Click's usage error (bad option, missing argument, bad value) in one line, with where to look."""
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "orbit"
    return f"{exc.format_message()} (see '{path} --help')"


@dataclass
class _Run:
    debug: bool = False


_run = _Run()


class OneLineErrors(TyperGroup):
    """Runs an `orbit` command; any failure ends as one line on stderr and a non-zero exit code."""

    def main(  # type: ignore[override]  # click's signature, narrowed to what `orbit` passes
        self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
        standalone_mode: bool = True, **extra: Any,
    ) -> Any:
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.TyperException as exc:
            if not exc.format_message():  # `orbit` alone: the help was the answer
                sys.exit(exc.exit_code)
            code, line = exc.exit_code, _usage_problem(exc)
        except typer.Abort:
            code, line = EXIT_INTERRUPTED, "aborted"
        except Exception as exc:
            if _run.debug:
                raise
            line, code = describe_failure(exc)
        else:
            code = rv if isinstance(rv, int) else 0  # typer.Exit(n) comes back as n
            if not standalone_mode:
                return code
            sys.exit(code)
        err_console.print(Text.assemble(("error: ", "bold red"), " ".join(line.split())))
        sys.exit(code)


app = typer.Typer(help="Orbit: a self-hostable audience-intent API.", no_args_is_help=True, cls=OneLineErrors)
orgs_app = typer.Typer(help="Organizations: create, list, slots, (de)activate.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)
app.add_typer(orgs_app, name="orgs")
app.add_typer(keys_app, name="keys")


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", envvar="ORBIT_DEBUG",
                                        help="Show the Python traceback of a failure (env ORBIT_DEBUG=1)")] = False,
) -> None:
    """Orbit: a self-hostable audience-intent API."""
    _run.debug = debug


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


def _stores(settings: Settings, *, clean: bool = False) -> tuple[Warehouse, Engine]:
    """Open and migrate both stores (the caller closes them). With `clean`, first remove what an
    interrupted ingest left: pass it only where no ingest can be running (see `_cleans`)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = db.make_engine(settings.metadata_url)
    wh: Warehouse | None = None
    try:
        db.migrate(engine)
        wh = open_warehouse(settings)
        schema.migrate(wh)
        if clean:
            left = datasets.clean_leftovers(wh, db.make_sessions(engine))
            if left.stage_tables or left.days:
                console.print(
                    "removed leftovers of an interrupted ingest: "
                    + ", ".join([*left.stage_tables, *(f"day {d} (load it again)" for d in left.days)]),
                    soft_wrap=True,
                )
    except BaseException:
        if wh is not None:
            wh.close()
        engine.dispose()
        raise
    return wh, engine


def _cleans(settings: Settings) -> bool:
    """Whether a command that does not ingest may remove ingest leftovers: only with the embedded
    warehouse, which one process opens at a time, so no ingest can be running elsewhere."""
    return settings.warehouse.backend == "chdb"


def _yesterday() -> date:
    return datetime.now(UTC).date() - timedelta(days=1)


@app.command()
def init() -> None:
    """Create the data directory, migrate the metadata DB and the warehouse schema."""
    settings = _settings()
    wh, engine = _stores(settings, clean=_cleans(settings))
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
        raise CliFailure(f"datagen failed: {exc}", exit_code=EXIT_BAD_INPUT) from exc
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
    """Load Parquet files into the warehouse; each table and each day is swapped in atomically.

    When `orbit serve` runs on this data directory, it does the load (it holds the warehouse) and
    this command follows it. Removes what an interrupted ingest left first; one ingest at a time.
    """
    try:
        days = [date.fromisoformat(d) for d in day] if day else None
    except ValueError as exc:
        raise CliFailure(f"ingest failed: --date: {exc}", exit_code=EXIT_BAD_INPUT) from exc
    kinds = tuple(kind) if kind else datasets.KINDS
    unknown = sorted(set(kinds) - set(datasets.KINDS))
    if unknown:
        raise CliFailure(f"ingest failed: --kind {', '.join(unknown)}: expected one of {', '.join(datasets.KINDS)}",
                         exit_code=EXIT_BAD_INPUT)
    if not directory.is_dir():
        raise CliFailure(f"ingest failed: {directory} is not a directory", exit_code=EXIT_BAD_INPUT)
    settings = _settings()
    if _handed_off(settings, LoadRequest(directory.resolve(), kinds, tuple(days) if days is not None else None)):
        return
    wh, engine = _stores(settings, clean=True)
    sessions = db.make_sessions(engine)
    started = time.perf_counter()
    try:
        with _progress("ingest") as step:
            report = datasets.ingest_directory(wh, sessions, directory, kinds=kinds, days=days, progress=step)
    except IngestError as exc:
        raise CliFailure(f"ingest failed: {exc.message}", exit_code=EXIT_BAD_INPUT) from exc
    finally:
        wh.close()
        engine.dispose()
    if report.days:
        _queue_daily(settings)
    _print_loaded(report.dimensions, report.days, time.perf_counter() - started)


def _print_loaded(dimensions: dict[str, int], days: dict[date, int], seconds: float) -> None:
    console.print(
        f"[green]loaded[/] {', '.join(f'{k} {v:,}' for k, v in dimensions.items()) or 'no dimensions'}; "
        f"{len(days)} days, {sum(days.values()):,} signal rows in {seconds:.1f}s"
    )


def _handed_off(settings: Settings, request: LoadRequest, *, what: object = None) -> bool:
    """Hand the load to the `orbit serve` of this data directory when one answers on its control
    socket, and follow it to the end; False when none runs (the caller loads by itself)."""
    started = time.perf_counter()
    try:
        server = control.connect(settings.control_socket)
    except control.HandOffFailed as exc:
        raise CliFailure(f"cannot hand the load to orbit serve: {exc.message}") from exc
    if server is None:
        return False
    console.print(f"orbit serve (PID {server.pid}) runs on this data directory: it loads {what or request.directory}",
                  soft_wrap=True)
    try:
        with server, _progress("ingest") as step:
            loaded = server.load(request, step)
    except control.HandOffFailed as exc:
        if exc.reason == "refused":
            raise CliFailure(f"orbit serve (PID {server.pid}) refused the load: {exc.message}") from exc
        raise CliFailure(exc.message, exit_code=EXIT_BAD_INPUT if exc.reason == "bad_input" else EXIT_FAILED) from exc
    except KeyboardInterrupt as exc:
        raise CliFailure(f"interrupted: orbit serve (PID {server.pid}) finishes the load by itself and logs "
                         "the outcome", exit_code=EXIT_INTERRUPTED) from exc
    if loaded.queued:
        console.print(f"queued {loaded.queued} daily runs for {loaded.newest}")
    _print_loaded(loaded.dimensions, loaded.days, time.perf_counter() - started)
    return True


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
        raise CliFailure(f"invalid taxonomy: {exc}", exit_code=EXIT_BAD_INPUT) from exc
    settings = _settings()
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / files.TOPICS
        datagen.write_parquet(taxonomy.topics_table(records), staged)
        # A running `orbit serve` holds the warehouse: it loads the staged file (same checks).
        if _handed_off(settings, LoadRequest(Path(tmp).resolve(), ("topics",), None), what=path):
            return
        wh, engine = _stores(settings, clean=True)
        try:
            rows = datasets.ingest_dimension(wh, db.make_sessions(engine), kind="topics", path=staged)
        except IngestError as exc:
            raise CliFailure(f"load failed: {exc.message}", exit_code=EXIT_BAD_INPUT) from exc
        finally:
            wh.close()
            engine.dispose()
    console.print(f"[green]loaded[/] {rows:,} topics from {path}")


@contextmanager
def _metadata() -> Iterator[Session]:
    """One short transaction on the migrated metadata DB (rolled back if the command fails)."""
    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = db.make_engine(settings.metadata_url)
    try:
        db.migrate(engine)
        with db.make_sessions(engine).begin() as session:
            yield session
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
        newest, queued = queue_daily(db.make_sessions(engine))
    finally:
        engine.dispose()
    if queued:
        console.print(f"queued {queued} daily runs for {newest}")


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
    from orbit.webhooks.deliverer import DeliveryThreads
    from orbit.webhooks.keys import server_key

    settings = _settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    wh, engine = _stores(settings, clean=_cleans(settings))
    sessions = db.make_sessions(engine)
    background = Background(wh, sessions, TopicCatalog(wh, sessions).current, settings.runs, workers=threads)
    # Webhook deliveries too (ORBIT_WEBHOOKS__CONCURRENCY threads; 0: left to other processes).
    deliveries = DeliveryThreads(sessions, settings.webhooks, server_key(settings))
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    background.start()
    deliveries.start()
    console.print(f"worker running with {threads} thread(s); Ctrl-C to stop")
    stopped.wait()
    background.close()
    deliveries.close()
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
    wh, engine = _stores(settings, clean=True)
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
    # The app opens the stores again in its lifespan; opening them here first migrates them, removes
    # ingest leftovers and fails early, in one line, when the embedded warehouse is held elsewhere.
    if with_demo:
        _demo(settings)
    else:
        wh, engine = _stores(settings, clean=_cleans(settings))
        wh.close()
        engine.dispose()
    h, p = host or settings.host, port or settings.port
    console.print(f"Orbit API on [bold]http://{h}:{p}[/] — docs at http://{h}:{p}/docs, OpenAPI at http://{h}:{p}/openapi-intent.json")
    uvicorn.run(create_app(settings), host=h, port=p, log_level=settings.log_level, access_log=False)


@app.command("mcp")
def mcp_cmd(
    transport: Annotated[str, typer.Option(help="stdio (an MCP client starts this command) or streamable-http")] = "stdio",
    host: Annotated[str, typer.Option(help="streamable-http: address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="streamable-http: port to listen on")] = 8765,
) -> None:
    """Serve the Model Context Protocol: tools for AI agents, calling the API at ORBIT_BASE_URL with
    ORBIT_API_KEY (or ORBIT_BEARER_TOKEN)."""
    from orbit.mcp.server import serve as serve_mcp
    from orbit.settings import McpSettings

    if transport not in ("stdio", "streamable-http"):
        raise CliFailure(f"--transport must be stdio or streamable-http, not {transport!r}", exit_code=EXIT_BAD_INPUT)
    settings = McpSettings()
    if settings.api_key is None and settings.bearer_token is None:
        err_console.print("orbit mcp: no ORBIT_API_KEY or ORBIT_BEARER_TOKEN: only public topic tools will work")
    serve_mcp(settings, transport="stdio" if transport == "stdio" else "streamable-http", host=host, port=port,
              log_level="WARNING" if transport == "stdio" else "INFO")


@app.command()
def status() -> None:
    """Show loaded data dates and warehouse table sizes, and what an interrupted ingest left.
    Asks the `orbit serve` of the data directory when one runs (it holds the warehouse)."""
    settings = _settings()
    if not settings.data_dir.is_dir():
        raise CliFailure(f"no data directory at {settings.data_dir.resolve()}: run 'orbit init' or set ORBIT_DATA_DIR")
    loading: str | None = None
    try:
        server = control.connect(settings.control_socket)
    except control.HandOffFailed as exc:
        raise CliFailure(f"cannot ask orbit serve for the status: {exc.message}") from exc
    if server is not None:
        try:
            with server:
                st, loading = server.status()
        except control.HandOffFailed as exc:
            raise CliFailure(f"orbit serve (PID {server.pid}) did not answer the status: {exc.message}") from exc
        console.print(f"from orbit serve (PID {server.pid}), which holds this data directory")
    else:
        wh, engine = _stores(settings)
        try:
            st = datasets.warehouse_status(wh, db.make_sessions(engine))
        finally:
            wh.close()
            engine.dispose()
    sizes, stages, dates, unready = st.tables, set(st.stages), st.ready, st.unready
    table = Table("table", "rows", "MB on disk")
    for name, (rows, size) in sizes.items():
        mark = (" (staging)" if loading else " (leftover)") if name in stages else ""
        table.add_row(name + mark, f"{rows:,}", f"{size / 1e6:,.1f}")
    console.print(table)
    console.print(f"{len(dates)} ready days" + (f": {dates[0]} … {dates[-1]}" if dates else ""))
    if loading is not None:
        console.print(f"loading now: {loading}", soft_wrap=True)
    elif stages or unready:
        console.print(
            "[yellow]an ingest was interrupted:[/] "
            + ", ".join([*sorted(stages), *(f"day {d} not ready" for d in unready)])
            + " — the next 'orbit ingest' (or 'orbit serve') removes them",
            soft_wrap=True,
        )
