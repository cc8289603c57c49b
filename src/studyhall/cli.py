"""The `studyhall` command."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import click
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from studyhall import __version__
from studyhall.config import Settings
from studyhall.interchange.cli import export_questions, import_questions
from studyhall.jobs.cli import check_schedules, jobs, worker
from studyhall.kit.context import Context
from studyhall.kit.db import Database
from studyhall.kit.http_protocol import ProblemHttpToolsProtocol
from studyhall.notifications.cli import email as email_commands
from studyhall.ops import migrations
from studyhall.ops.command_line import (
    database_errors_reported,
    failure_reason,
    in_unit_of_work,
    load_settings,
    settle_heap,
    upgrade_schema,
)
from studyhall.planning.cli import plan_group

SLUG_RULE = (
    "use 1 to 64 lower-case letters, digits and dashes, starting and ending with a letter or digit"
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="studyhall")
def main() -> None:
    """Studyhall: self-hostable exam preparation.

    Configured by STUDYHALL_* environment variables (see the README).
    """


for command in (worker, jobs, import_questions, export_questions, plan_group, email_commands):
    main.add_command(command)


# An idle connection is kept longer than a load balancer keeps its own (60 s is common), so
# the proxy closes first and never sends a request down a connection we just closed (a 502).
# Uvicorn's default of 5 s also closed learners' connections between two answers.
KEEP_ALIVE_SECONDS = 65


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

    settings = load_settings()
    check_schedules(settings)
    with database_errors_reported():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    if migrate if migrate is not None else settings.is_sqlite:
        upgrade_schema(settings)
    if demo:
        _print_demo(settings, in_unit_of_work(settings, _create_demo))
    host = host or settings.host
    port = port or settings.port
    url = make_url(settings.resolved_database_url)
    database = f"SQLite {url.database}" if settings.is_sqlite else url.render_as_string()
    click.echo(
        f"Studyhall {__version__} on http://{host}:{port}/  "
        f"(API docs: http://{host}:{port}/api/v1/docs; database: {database})"
    )
    app = create_app(settings, worker=worker)
    settle_heap()
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=None,
        proxy_headers=False,
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        http=ProblemHttpToolsProtocol,  # unreadable requests answered as problem+json too
    )


@main.group()
def migrate() -> None:
    """Move the database schema between migrations."""


@migrate.command("upgrade")
@click.argument("revision", default="head")
def migrate_upgrade(revision: str) -> None:
    """Upgrade to REVISION (default: the newest)."""
    settings = load_settings()
    upgrade_schema(settings, revision)
    click.echo(f"schema at {_current(settings) or 'nothing'}")


@migrate.command("downgrade")
@click.argument("revision")
def migrate_downgrade(revision: str) -> None:
    """Downgrade to REVISION (`base` removes every table: all data is lost)."""
    settings = load_settings()
    with database_errors_reported():
        try:
            migrations.downgrade(settings.resolved_database_url, revision)
        except migrations.MigrationRefused as refused:
            raise click.ClickException(f"schema: {refused}") from refused
    click.echo(f"schema at {_current(settings) or 'nothing'}")


@migrate.command("current")
def migrate_current() -> None:
    """Print the schema's revision and the newest one."""
    settings = load_settings()
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
    with database_errors_reported():
        return _read_current(settings)


@main.command()
def check() -> None:
    """Check the configuration, that the database answers, and that migrations are at head."""
    settings = load_settings()
    click.echo(f"configuration: ok ({settings.env.value})")
    try:
        current = _read_current(settings)
    except Exception as exc:  # any failure to connect is reported, not raised
        raise click.ClickException(f"database: unreachable ({failure_reason(exc)})") from exc
    click.echo("database: reachable")
    head = migrations.head_revision()
    if current != head:
        raise click.ClickException(
            f"schema: at {current or 'nothing'}, head is {head}; run `studyhall migrate upgrade`"
        )
    click.echo(f"schema: at head ({head})")
    _check_secrets(settings)


def _check_secrets(settings: Settings) -> None:
    """After the secret key was replaced: webhook secrets that no listed key opens fail every
    delivery, so `check` fails too; those still under a previous key are only reported."""
    from studyhall.webhooks import service as webhooks

    states = in_unit_of_work(settings, webhooks.secret_states)
    if states["unreadable"]:
        raise click.ClickException(
            f"secrets: {states['unreadable']} webhook signing secret(s) open under no key this "
            "server has: list the key that sealed them in STUDYHALL_PREVIOUS_SECRET_KEYS"
        )
    if states["stale"]:
        click.echo(
            f"secrets: {states['stale']} of {states.total()} not yet under the current key "
            "(`studyhall secrets reseal`, or the hourly schedule, moves them)"
        )
    else:
        click.echo(f"secrets: {states.total()} sealed under the current key")


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

    user = in_unit_of_work(load_settings(), work)
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

    org = in_unit_of_work(load_settings(), work)
    click.echo(f"created organisation {org.slug} ({org.id})")


@main.group("secrets")
def secrets_group() -> None:
    """Look after the secrets the server keeps sealed (webhook signing secrets)."""


@secrets_group.command("reseal")
def secrets_reseal() -> None:
    """Seal every stored secret under the current STUDYHALL_SECRET_KEY.

    After replacing the secret key (with the old one in STUDYHALL_PREVIOUS_SECRET_KEYS), run
    this, then drop the old key. The hourly `reseal-secrets` schedule does the same.
    """
    from studyhall.webhooks import service as webhooks

    settings = load_settings()
    resealed = in_unit_of_work(settings, webhooks.reseal_secrets)
    unreadable = in_unit_of_work(settings, webhooks.secret_states)["unreadable"]
    click.echo(f"resealed {resealed} secret(s) under the current key")
    if unreadable:
        raise click.ClickException(
            f"{unreadable} webhook secret(s) open under no key this server has: list the key "
            "that sealed them in STUDYHALL_PREVIOUS_SECRET_KEYS, or replace those secrets"
        )


@main.command()
def demo() -> None:
    """Create the demo organisation with one account per role, and print how to sign in."""
    settings = load_settings()
    if settings.is_sqlite:
        upgrade_schema(settings)
    _print_demo(settings, in_unit_of_work(settings, _create_demo))


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
    type=click.Choice(["simulation", "practice", "plan"]),
    default="simulation",
    show_default=True,
    help="What each learner takes; `plan`: each sets a goal, gets a study plan and works "
    "through its first blocks (drills included), some skipping blocks and falling behind.",
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
