"""The `studyhall` command."""

from __future__ import annotations

import asyncio
import secrets
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from studyhall import __version__
from studyhall.accounts.passwords import configure_hasher
from studyhall.config import ConfigurationError, Settings
from studyhall.kit.clock import SystemClock
from studyhall.kit.context import Context
from studyhall.kit.db import Database
from studyhall.kit.errors import Problem
from studyhall.ops import migrations

T = TypeVar("T")

SLUG_RULE = (
    "use 1 to 64 lower-case letters, digits and dashes, starting and ending with a letter or digit"
)


def _settings() -> Settings:
    try:
        settings = Settings()
    except ConfigurationError as exc:
        raise click.ClickException(f"configuration: {exc}") from exc
    except ValidationError as exc:
        # Name the variable to fix, not pydantic's field path and documentation link.
        reasons = "; ".join(
            f"{Settings.model_config['env_prefix']}{'.'.join(map(str, e['loc'])).upper()}: "
            f"{e['msg']}"
            for e in exc.errors()
        )
        raise click.ClickException(f"configuration: {reasons}") from exc
    # Accounts made here hash with the configured cost, as those made through the API do.
    configure_hasher(
        time_cost=settings.argon2_time_cost,
        memory_cost_kib=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    return settings


def _reason(exc: BaseException) -> str:
    """A one-line reason a database call failed (the driver's message, not SQLAlchemy's)."""
    cause = getattr(exc, "orig", None) or exc
    message = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {message[0]}" if message else type(cause).__name__


@contextmanager
def _database_errors_reported() -> Iterator[None]:
    """A database that cannot be reached (or refuses) is a one-line error, not a traceback."""
    try:
        yield
    except (OSError, DBAPIError) as exc:
        raise click.ClickException(f"database: {_reason(exc)}") from exc


def _upgrade(settings: Settings, revision: str = "head") -> None:
    with _database_errors_reported():
        migrations.upgrade(settings.resolved_database_url, revision)


async def _require_schema_at_head(db: Database) -> None:
    current, head = await migrations.current_revision(db.engine), migrations.head_revision()
    if current != head:
        raise click.ClickException(
            f"schema: at {current or 'nothing'}, head is {head}; run `studyhall migrate upgrade`"
        )


def _in_unit_of_work(settings: Settings, work: Callable[[Context], Awaitable[T]]) -> T:
    """Run `work` in one committed transaction, as the command line (no client address)."""

    async def run() -> T:
        db = Database(settings.resolved_database_url)
        try:
            # Without this, a missing schema would surface as an SQL traceback.
            await _require_schema_at_head(db)
            async with db.unit_of_work() as session:
                ctx = Context(
                    session=session,
                    clock=SystemClock(),
                    request_id="cli",
                    secret_key=settings.secret_key,
                )
                return await work(ctx)
        finally:
            await db.dispose()

    try:
        with _database_errors_reported():
            return asyncio.run(run())
    except Problem as problem:
        # Field paths are the HTTP API's (`body.password`); here the option is `--password`.
        details = "; ".join(f"{e.field.removeprefix('body.')}: {e.message}" for e in problem.errors)
        raise click.ClickException(
            f"{problem.detail or problem.title}" + (f" ({details})" if details else "")
        ) from problem


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="studyhall")
def main() -> None:
    """Studyhall: self-hostable exam preparation.

    Configured by STUDYHALL_* environment variables (see the README).
    """


@main.command()
@click.option("--host", help="Address to listen on [default: STUDYHALL_HOST or 127.0.0.1].")
@click.option("--port", type=int, help="Port [default: STUDYHALL_PORT or 8000].")
@click.option(
    "--migrate/--no-migrate",
    default=None,
    help="Upgrade the schema before serving [default: on for SQLite, off otherwise].",
)
@click.option("--demo", is_flag=True, help="Create the demo organisation if it is missing.")
@click.option(
    "--worker/--no-worker",
    default=True,
    help="Run the job worker in this process [default: on; off when `studyhall worker` "
    "processes do the work].",
)
def serve(
    host: str | None, port: int | None, migrate: bool | None, demo: bool, worker: bool
) -> None:
    """Serve the web app and the API (and, unless --no-worker, run background jobs)."""
    import uvicorn

    from studyhall.app import create_app

    settings = _settings()
    _check_schedules(settings)
    with _database_errors_reported():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    if migrate if migrate is not None else settings.is_sqlite:
        _upgrade(settings)
    if demo:
        _print_demo(settings, _in_unit_of_work(settings, _create_demo))
    host = host or settings.host
    port = port or settings.port
    url = make_url(settings.resolved_database_url)
    database = f"SQLite {url.database}" if settings.is_sqlite else url.render_as_string()
    click.echo(
        f"Studyhall {__version__} on http://{host}:{port}/  "
        f"(API docs: http://{host}:{port}/api/v1/docs; database: {database})"
    )
    uvicorn.run(
        create_app(settings, worker=worker),
        host=host,
        port=port,
        log_config=None,
        proxy_headers=False,
        server_header=False,
    )


def _check_schedules(settings: Settings) -> None:
    from studyhall.jobs import schedules

    try:
        schedules.configured(settings.job_schedules)
    except ValueError as exc:
        raise click.ClickException(f"configuration: STUDYHALL_JOB_SCHEDULES: {exc}") from exc


@main.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    help="Jobs run at once [default: STUDYHALL_WORKER_CONCURRENCY or 4].",
)
def worker(concurrency: int | None) -> None:
    """Run background jobs, event dispatch and schedules, without serving HTTP.

    Run several on PostgreSQL to scale out. SIGTERM or Ctrl-C stops it gracefully: running
    jobs get STUDYHALL_WORKER_SHUTDOWN_SECONDS to finish, the rest go back to the queue.
    """
    import signal

    import httpx

    from studyhall.jobs import registry
    from studyhall.jobs.worker import Worker

    settings = _settings()
    _check_schedules(settings)
    try:
        registry.load(settings.job_modules)
    except ImportError as exc:
        raise click.ClickException(f"configuration: STUDYHALL_JOB_MODULES: {exc}") from exc

    async def run() -> None:
        db = Database(settings.resolved_database_url)
        try:
            await _require_schema_at_head(db)
            async with httpx.AsyncClient(follow_redirects=False) as http:
                runtime = registry.Runtime(db, SystemClock(), settings, http)
                work = Worker(runtime, concurrency=concurrency)
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.add_signal_handler(sig, lambda: asyncio.ensure_future(work.stop()))
                click.echo(f"worker {work.name}: {work.concurrency} at once; Ctrl-C stops")
                await work.run()
        finally:
            await db.dispose()

    with _database_errors_reported():
        asyncio.run(run())


@main.group()
def jobs() -> None:
    """Look at and steer the job queue."""


@jobs.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def jobs_stats(as_json: bool) -> None:
    """Jobs by kind and state, run times (p50/p95), failures and queue depth (last 24 h)."""
    import dataclasses
    import json

    from studyhall.jobs import service

    found = _in_unit_of_work(_settings(), service.stats)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(found), indent=2))
        return
    oldest = found.oldest_queued_seconds
    click.echo(
        f"queue depth {found.queued} (oldest {oldest:.1f} s)"
        if oldest is not None
        else f"queue depth {found.queued}"
    )
    click.echo(f"scheduled {found.scheduled}  running {found.running}  dead letters {found.dead}")
    click.echo(
        f"{'kind':34} {'queued':>6} {'running':>7} {'done':>6} {'dead':>5} "
        f"{'failed':>6} {'p50 ms':>8} {'p95 ms':>8}"
    )
    for k in found.kinds:
        p50 = f"{k.p50_ms:.1f}" if k.p50_ms is not None else "-"
        p95 = f"{k.p95_ms:.1f}" if k.p95_ms is not None else "-"
        states = k.states
        click.echo(
            f"{k.kind:34} {states.get('queued', 0):>6} {states.get('running', 0):>7} "
            f"{states.get('done', 0):>6} {states.get('dead', 0):>5} {k.failed_runs:>6} "
            f"{p50:>8} {p95:>8}"
        )


@jobs.command("dead-letters")
@click.option("--all", "include_requeued", is_flag=True, help="Include re-queued ones.")
@click.option(
    "--limit", type=click.IntRange(1, 1000), default=50, show_default=True, help="How many."
)
@click.option(
    "--traceback/--no-traceback",
    "show_traceback",
    default=False,
    help="Print each one's traceback too.",
)
def jobs_dead_letters(include_requeued: bool, limit: int, show_traceback: bool) -> None:
    """List jobs that spent their retries, newest first."""
    from studyhall.jobs import service

    async def work(ctx: Context) -> Any:
        return await service.dead_letters(
            ctx, include_requeued=include_requeued, before_id=None, limit=limit
        )

    letters = _in_unit_of_work(_settings(), work)[:limit]
    if not letters:
        click.echo("no dead letters")
    for letter in letters:
        state = f" (re-queued {letter.requeued_at:%Y-%m-%d %H:%M})" if letter.requeued_at else ""
        click.echo(
            f"#{letter.id} job {letter.job_id} {letter.kind} after {letter.attempts} "
            f"tries at {letter.failed_at:%Y-%m-%d %H:%M:%S}Z{state}: {letter.error}"
        )
        if show_traceback:
            click.echo(letter.traceback)


@jobs.command("requeue")
@click.argument("dead_letter_id", type=int)
def jobs_requeue(dead_letter_id: int) -> None:
    """Put dead letter DEAD_LETTER_ID's job back on the queue with fresh attempts."""
    from studyhall.jobs import service

    async def work(ctx: Context) -> Any:
        return await service.requeue(ctx, dead_letter_id, by=None)

    job = _in_unit_of_work(_settings(), work)
    click.echo(f"job {job.id} ({job.kind}) is queued again")


IMPORT_FORMATS = ("gift", "moodle_xml", "aiken", "qti", "csv", "json")
EXPORT_FORMATS = ("qti", "moodle_xml", "gift", "csv", "json")


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", required=True, help="The organisation's slug.")
@click.option("--track", "track_slug", required=True, help="The track's slug.")
@click.option(
    "--author", required=True, help="Email of the member (with questions:write) credited."
)
@click.option(
    "--format", "fmt", type=click.Choice(IMPORT_FORMATS), help="[default: told from the file]"
)
@click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")
@click.option("--partial", is_flag=True, help="Write the good questions even if some fail.")
@click.option(
    "--on-duplicate",
    type=click.Choice(("skip", "update")),
    default="skip",
    show_default=True,
    help="A question with the same stem and answers as one in the track.",
)
@click.option("--default-topic", help="Topic (path or id) for categories matching none.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the per-question report here as JSON.",
)
def import_questions(
    file: Path,
    org_slug: str,
    track_slug: str,
    author: str,
    fmt: str | None,
    dry_run: bool,
    partial: bool,
    on_duplicate: str,
    default_topic: str | None,
    report_path: Path | None,
) -> None:
    """Import the questions of FILE (GIFT, Moodle XML, Aiken, QTI 2.1/3.0 item or package,
    CSV or Studyhall JSON) into a track, as drafts by --author.

    Nothing is written if any question is refused, unless --partial. See
    docs/import-export.md for how categories become topics.
    """
    import json

    from studyhall.bank.storage import LocalMediaStorage
    from studyhall.interchange import commands, formats, importer
    from studyhall.interchange.items import FormatError

    settings = _settings()
    size = file.stat().st_size
    if size > settings.import_max_bytes:
        raise click.ClickException(
            f"{file.name} is {size} bytes; at most {settings.import_max_bytes} may be imported "
            "(STUDYHALL_IMPORT_MAX_BYTES)"
        )
    try:
        with file.open("rb") as head:
            chosen = (
                formats.ImportFormat(fmt) if fmt else formats.detect(file.name, head.read(4096))
            )
    except FormatError as exc:
        raise click.ClickException(f"{exc.where}: {exc.reason}; give --format") from exc
    options = importer.Options(
        dry_run=dry_run,
        partial=partial,
        on_duplicate="update" if on_duplicate == "update" else "skip",
        max_items=settings.import_max_items,
    )

    shown = _ImportProgress()

    async def work(ctx: Context) -> importer.Report:
        return await commands.import_file(
            ctx, org_slug=org_slug, track_slug=track_slug, author_email=author, path=file,
            fmt=chosen, options=options, default_topic=default_topic,
            storage=LocalMediaStorage(settings.data_dir / "media"), progress=shown,
        )  # fmt: skip

    click.echo(f"importing {file.name} ({chosen.value}) into {org_slug}/{track_slug}", err=True)
    try:
        report = _in_unit_of_work(settings, work)
    finally:
        shown.close()
    if report_path is not None:
        report_path.write_text(
            json.dumps([o.as_dict() for o in report.outcomes], indent=2, ensure_ascii=False)
        )
    _print_import_summary(report, dry_run=dry_run, partial=partial)


class _ImportProgress:
    """A count while questions are checked, then a bar while the planned ones are written."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.done = 0

    async def checked(self, count: int) -> None:
        click.echo(f"\rchecked {count} questions", nl=False, err=True)

    async def planned(self, total: int) -> None:
        click.echo(f"\rchecked every question; {total} to write", err=True)
        if total:
            self.bar = click.progressbar(length=total, label="writing", file=sys.stderr)
            self.bar.__enter__()

    async def written(self, count: int) -> None:
        if self.bar is not None:
            self.bar.update(count - self.done)
            self.done = count

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _print_import_summary(report: Any, *, dry_run: bool, partial: bool) -> None:
    counts = report.counts()
    if report.file_error:
        raise click.ClickException(f"the file was refused: {report.file_error}")
    problems = [o for o in report.outcomes if o.action in ("reject", "skip")]
    if problems:
        click.echo(f"{'where':40} {'action':7} reason")
        for outcome in problems[:50]:
            click.echo(f"{outcome.where[:40]:40} {outcome.action:7} {outcome.reason}")
        if len(problems) > 50:
            click.echo(f"... and {len(problems) - 50} more (see --report)")
    click.echo(f"{'':10}{'create':>8}{'update':>8}{'skip':>8}{'reject':>8}")
    click.echo(
        f"{'questions':10}{counts['create']:>8}{counts['update']:>8}{counts['skip']:>8}"
        f"{counts['reject']:>8}"
    )
    if dry_run:
        click.echo("dry run: nothing was written")
    elif report.written:
        click.echo(f"written: {counts['create']} created, {counts['update']} updated (drafts)")
    else:
        raise click.ClickException(
            f"{counts['reject']} questions were refused, so nothing was written "
            "(fix them, or use --partial to write the others)"
        )


@main.command("export")
@click.option("--org", "org_slug", required=True, help="The organisation's slug.")
@click.option("--track", "track_slug", required=True, help="The track's slug.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    default="json",
    show_default=True,
    help="qti is a QTI 3.0 zip package.",
)
@click.option("--topic", help="Only this topic (path or id) and its subtopics.")
@click.option("--tag", help="Only questions with this tag.")
@click.option("--q", "query", help="Only questions the bank's search finds for this.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write [default: stdout].",
)
def export_questions(
    org_slug: str,
    track_slug: str,
    fmt: str,
    topic: str | None,
    tag: str | None,
    query: str | None,
    output: Path | None,
) -> None:
    """Export a track's questions (head versions; retired ones left out)."""
    from studyhall.interchange import commands, formats

    settings = _settings()

    async def work(ctx: Context) -> Any:
        return await commands.export_file(
            ctx, org_slug=org_slug, track_slug=track_slug, fmt=formats.ExportFormat(fmt),
            dialect="sqlite" if settings.is_sqlite else "postgresql", topic=topic, tag=tag,
            q=query,
        )  # fmt: skip

    found = _in_unit_of_work(settings, work)
    if output is None:
        sys.stdout.buffer.write(found.data)
    else:
        output.write_bytes(found.data)
    for why in found.skipped:
        click.echo(f"left out: {why}", err=True)
    click.echo(f"exported {found.count} questions", err=True)


@main.group()
def migrate() -> None:
    """Move the database schema between migrations."""


@migrate.command("upgrade")
@click.argument("revision", default="head")
def migrate_upgrade(revision: str) -> None:
    """Upgrade to REVISION (default: the newest)."""
    settings = _settings()
    _upgrade(settings, revision)
    click.echo(f"schema at {_current(settings) or 'nothing'}")


@migrate.command("downgrade")
@click.argument("revision")
def migrate_downgrade(revision: str) -> None:
    """Downgrade to REVISION (`base` removes every table: all data is lost)."""
    settings = _settings()
    with _database_errors_reported():
        migrations.downgrade(settings.resolved_database_url, revision)
    click.echo(f"schema at {_current(settings) or 'nothing'}")


@migrate.command("current")
def migrate_current() -> None:
    """Print the schema's revision and the newest one."""
    settings = _settings()
    current, head = _current(settings), migrations.head_revision()
    state = "at head" if current == head else "behind: run `studyhall migrate upgrade`"
    click.echo(f"current: {current or 'nothing'}  head: {head}  ({state})")


def _read_current(settings: Settings) -> str | None:
    async def read() -> str | None:
        db = Database(settings.resolved_database_url)
        try:
            return await migrations.current_revision(db.engine)
        finally:
            await db.dispose()

    return asyncio.run(read())


def _current(settings: Settings) -> str | None:
    with _database_errors_reported():
        return _read_current(settings)


@main.command()
def check() -> None:
    """Check the configuration, that the database answers, and that migrations are at head."""
    settings = _settings()
    click.echo(f"configuration: ok ({settings.env.value})")
    try:
        current = _read_current(settings)
    except Exception as exc:  # any failure to connect is reported, not raised
        raise click.ClickException(f"database: unreachable ({_reason(exc)})") from exc
    click.echo("database: reachable")
    head = migrations.head_revision()
    if current != head:
        raise click.ClickException(
            f"schema: at {current or 'nothing'}, head is {head}; run `studyhall migrate upgrade`"
        )
    click.echo(f"schema: at head ({head})")


@main.command()
@click.option("--email", required=True, help="The account's email address (its sign-in name).")
@click.option("--name", "display_name", help="Display name [default: the email's local part].")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="STUDYHALL_NEW_PASSWORD",
    help="Asked for when not given (or set STUDYHALL_NEW_PASSWORD).",
)
@click.option(
    "--admin",
    is_flag=True,
    help="Make a site administrator (who may create organisations when "
    "STUDYHALL_ORG_CREATION=admins).",
)
def createuser(email: str, display_name: str | None, password: str, admin: bool) -> None:
    """Create an account."""
    from studyhall.accounts import service as accounts

    async def work(ctx: Context) -> Any:
        return await accounts.register(
            ctx,
            email=email,
            password=password,
            display_name=display_name or email.split("@")[0],
            superuser=admin,
        )

    user = _in_unit_of_work(_settings(), work)
    click.echo(f"created {'administrator' if admin else 'user'} {user.id}")


@main.group()
def orgs() -> None:
    """Manage organisations."""


@orgs.command("create")
@click.option("--slug", required=True, help="Short name used in URLs (a-z, 0-9, dashes).")
@click.option("--name", required=True, help="The organisation's display name.")
@click.option("--owner", "owner_email", required=True, help="Email of an existing account.")
def orgs_create(slug: str, name: str, owner_email: str) -> None:
    """Create an organisation owned by an existing account."""
    from studyhall.accounts import service as accounts
    from studyhall.orgs import service as org_service
    from studyhall.orgs.schemas import OrgCreate

    try:
        OrgCreate(slug=slug, name=name)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0])
        rule = SLUG_RULE if field == "slug" else exc.errors()[0]["msg"]
        raise click.ClickException(f"invalid --{field}: {rule}") from exc

    async def work(ctx: Context) -> Any:
        owner = await accounts.get_user_by_email(ctx, owner_email)
        if owner is None:
            raise click.ClickException("no account with that email; create it with createuser")
        return await org_service.create_org(
            ctx.acting_as(user_id=owner.id), owner=owner, slug=slug, name=name
        )

    org = _in_unit_of_work(_settings(), work)
    click.echo(f"created organisation {org.slug} ({org.id})")


@main.command()
def demo() -> None:
    """Create the demo organisation with one account per role, and print how to sign in."""
    settings = _settings()
    if settings.is_sqlite:
        _upgrade(settings)
    _print_demo(settings, _in_unit_of_work(settings, _create_demo))


async def _create_demo(ctx: Context) -> dict[str, str] | None:
    from studyhall.ops import demo as demo_content

    return await demo_content.create(ctx, password_factory=lambda: secrets.token_urlsafe(12))


def _print_demo(settings: Settings, created: dict[str, str] | None) -> None:
    if created is None:
        click.echo(
            "demo organisation `demo` exists already (its passwords were printed when it was made)"
        )
        return
    click.echo("demo organisation `demo` created, with two practice tracks; sign in as:")
    for email, password in created.items():
        click.echo(f"  {email:32} {password}")
    click.echo("(shown once: only password hashes are kept)")


@main.command()
@click.option(
    "--url",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="A Studyhall server you run (never someone else's).",
)
@click.option("--org", default="demo", show_default=True, help="Organisation slug.")
@click.option(
    "--track",
    "track_slug",
    default="spark-delta-associate",
    show_default=True,
    help="Track slug (or id) the learners practise.",
)
@click.option(
    "--learners",
    type=click.IntRange(1, 2000),
    default=20,
    show_default=True,
    help="Simulated learners, all at once.",
)
@click.option(
    "--mode",
    type=click.Choice(["simulation", "practice"]),
    default="simulation",
    show_default=True,
    help="What each learner takes.",
)
@click.option(
    "--think",
    type=click.FloatRange(0, 600),
    default=2.0,
    show_default=True,
    help="Mean seconds of thought per question (exponentially distributed).",
)
@click.option(
    "--together",
    is_flag=True,
    help="Everyone starts first, then all answer at once (measures answering alone).",
)
@click.option(
    "--admin-email",
    required=True,
    envvar="STUDYHALL_SIM_ADMIN_EMAIL",
    help="An owner or admin of the organisation: invites the learners and reads "
    "answer keys (or STUDYHALL_SIM_ADMIN_EMAIL).",
)
@click.option(
    "--admin-password",
    prompt=True,
    hide_input=True,
    envvar="STUDYHALL_SIM_ADMIN_PASSWORD",
    help="Asked for when not given (or STUDYHALL_SIM_ADMIN_PASSWORD).",
)
@click.option("--seed", type=int, help="Make the learners' behaviour repeatable.")
def simulate(
    url: str,
    org: str,
    track_slug: str,
    learners: int,
    mode: str,
    think: float,
    together: bool,
    admin_email: str,
    admin_password: str,
    seed: int | None,
) -> None:
    """Drive realistic learner traffic at a running server and print throughput and latency.

    Each learner signs up, joins through an invitation, signs in, starts an attempt, thinks,
    answers every question (right with a skill-dependent chance), flags a few, and submits.
    """
    import httpx

    from studyhall.simulator import Simulation

    async def run() -> str:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            login = await client.post(
                "/api/v1/auth/login", json={"email": admin_email, "password": admin_password}
            )
            if login.status_code != 200:
                raise click.ClickException(f"admin sign-in failed ({login.status_code})")
            token = login.json()["token"]
            listed = await client.get(
                f"/api/v1/orgs/{org}/tracks", headers={"Authorization": f"Bearer {token}"}
            )
            if listed.status_code != 200:
                raise click.ClickException(f"cannot list tracks of {org} ({listed.status_code})")
            found = [t["id"] for t in listed.json() if track_slug in (t["slug"], t["id"])]
            if not found:
                raise click.ClickException(f"no track {track_slug!r} in {org}")
        simulation = Simulation(
            url=url,
            org=org,
            track_id=found[0],
            admin_token=token,
            learners=learners,
            mode=mode,
            think_seconds=think,
            together=together,
            seed=seed,
        )
        return (await simulation.run()).text()

    try:
        click.echo(asyncio.run(run()))
    except OSError as exc:  # connection refused and the like
        raise click.ClickException(f"cannot reach {url}: {exc}") from exc
