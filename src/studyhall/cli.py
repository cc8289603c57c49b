"""The `studyhall` command."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
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
