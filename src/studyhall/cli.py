"""The `studyhall` command."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from studyhall import __version__
from studyhall.config import ConfigurationError, Settings
from studyhall.kit.clock import SystemClock
from studyhall.kit.context import Context
from studyhall.kit.db import Database
from studyhall.kit.errors import Problem
from studyhall.ops import migrations

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return Settings()
    except (ConfigurationError, ValidationError) as exc:
        raise click.ClickException(f"configuration: {exc}") from exc


def _in_unit_of_work(settings: Settings, work: Callable[[Context], Awaitable[T]]) -> T:
    """Run `work` in one committed transaction, as the command line (no client address)."""

    async def run() -> T:
        db = Database(settings.resolved_database_url)
        try:
            async with db.unit_of_work() as session:
                ctx = Context(session=session, clock=SystemClock(), request_id="cli",
                              secret_key=settings.secret_key)
                return await work(ctx)
        finally:
            await db.dispose()

    try:
        return asyncio.run(run())
    except Problem as problem:
        details = "; ".join(f"{e.field}: {e.message}" for e in problem.errors)
        raise click.ClickException(f"{problem.detail or problem.title}"
                                   + (f" ({details})" if details else "")) from problem


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="studyhall")
def main() -> None:
    """Studyhall: self-hostable exam preparation.

    Configured by STUDYHALL_* environment variables (see the README).
    """


@main.command()
@click.option("--host", help="Address to listen on [default: STUDYHALL_HOST or 127.0.0.1].")
@click.option("--port", type=int, help="Port [default: STUDYHALL_PORT or 8000].")
@click.option("--migrate/--no-migrate", default=None,
              help="Upgrade the schema before serving [default: on for SQLite, off otherwise].")
@click.option("--demo", is_flag=True, help="Create the demo organisation if it is missing.")
def serve(host: str | None, port: int | None, migrate: bool | None, demo: bool) -> None:
    """Serve the web app and the API."""
    import uvicorn

    from studyhall.app import create_app

    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if migrate if migrate is not None else settings.is_sqlite:
        migrations.upgrade(settings.resolved_database_url)
    if demo:
        _print_demo(settings, _in_unit_of_work(settings, _create_demo))
    host = host or settings.host
    port = port or settings.port
    click.echo(f"Studyhall {__version__} on http://{host}:{port}/  "
               f"(API docs: http://{host}:{port}/api/v1/docs; database: "
               f"{'SQLite in ' + str(settings.data_dir) if settings.is_sqlite else 'external'})")
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None,
                proxy_headers=False, server_header=False)


@main.group()
def migrate() -> None:
    """Move the database schema between migrations."""


@migrate.command("upgrade")
@click.argument("revision", default="head")
def migrate_upgrade(revision: str) -> None:
    """Upgrade to REVISION (default: the newest)."""
    settings = _settings()
    migrations.upgrade(settings.resolved_database_url, revision)
    click.echo(f"schema at {_current(settings) or 'nothing'}")


@migrate.command("downgrade")
@click.argument("revision")
def migrate_downgrade(revision: str) -> None:
    """Downgrade to REVISION (`base` removes every table: all data is lost)."""
    settings = _settings()
    migrations.downgrade(settings.resolved_database_url, revision)
    click.echo(f"schema at {_current(settings) or 'nothing'}")


@migrate.command("current")
def migrate_current() -> None:
    """Print the schema's revision and the newest one."""
    settings = _settings()
    current, head = _current(settings), migrations.head_revision()
    state = "at head" if current == head else "behind: run `studyhall migrate upgrade`"
    click.echo(f"current: {current or 'nothing'}  head: {head}  ({state})")


def _current(settings: Settings) -> str | None:
    async def read() -> str | None:
        db = Database(settings.resolved_database_url)
        try:
            return await migrations.current_revision(db.engine)
        finally:
            await db.dispose()

    return asyncio.run(read())


@main.command()
def check() -> None:
    """Check the configuration, that the database answers, and that migrations are at head."""
    settings = _settings()
    click.echo(f"configuration: ok ({settings.env.value})")
    try:
        current = _current(settings)
    except Exception as exc:  # any failure to connect is reported, not raised
        raise click.ClickException(f"database: unreachable ({type(exc).__name__})") from exc
    click.echo("database: reachable")
    head = migrations.head_revision()
    if current != head:
        raise click.ClickException(f"schema: at {current or 'nothing'}, head is {head}; "
                                   "run `studyhall migrate upgrade`")
    click.echo(f"schema: at head ({head})")


@main.command()
@click.option("--email", required=True)
@click.option("--name", "display_name", help="Display name [default: the email's local part].")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              envvar="STUDYHALL_NEW_PASSWORD", help="Asked for when not given "
              "(or set STUDYHALL_NEW_PASSWORD).")
@click.option("--admin", is_flag=True, help="Make a site administrator (operator).")
def createuser(email: str, display_name: str | None, password: str, admin: bool) -> None:
    """Create an account."""
    from studyhall.accounts import service as accounts

    async def work(ctx: Context) -> Any:
        return await accounts.register(ctx, email=email, password=password,
                                       display_name=display_name or email.split("@")[0],
                                       superuser=admin)

    user = _in_unit_of_work(_settings(), work)
    click.echo(f"created {'administrator' if admin else 'user'} {user.id}")


@main.group()
def orgs() -> None:
    """Manage organisations."""


@orgs.command("create")
@click.option("--slug", required=True, help="Short name used in URLs (a-z, 0-9, dashes).")
@click.option("--name", required=True)
@click.option("--owner", "owner_email", required=True, help="Email of an existing account.")
def orgs_create(slug: str, name: str, owner_email: str) -> None:
    """Create an organisation owned by an existing account."""
    from studyhall.accounts import service as accounts
    from studyhall.orgs import service as org_service
    from studyhall.orgs.schemas import OrgCreate

    try:
        OrgCreate(slug=slug, name=name)
    except ValidationError as exc:
        raise click.ClickException(f"invalid organisation: {exc.errors()[0]['msg']}") from exc

    async def work(ctx: Context) -> Any:
        owner = await accounts.get_user_by_email(ctx, owner_email)
        if owner is None:
            raise click.ClickException("no account with that email; create it with createuser")
        return await org_service.create_org(ctx.acting_as(user_id=owner.id), owner=owner,
                                            slug=slug, name=name)

    org = _in_unit_of_work(_settings(), work)
    click.echo(f"created organisation {org.slug} ({org.id})")


@main.command()
def demo() -> None:
    """Create the demo organisation with one account per role, and print how to sign in."""
    settings = _settings()
    if settings.is_sqlite:
        migrations.upgrade(settings.resolved_database_url)
    _print_demo(settings, _in_unit_of_work(settings, _create_demo))


async def _create_demo(ctx: Context) -> dict[str, str] | None:
    from studyhall.ops import demo as demo_content

    return await demo_content.create(ctx, password_factory=lambda: secrets.token_urlsafe(12))


def _print_demo(settings: Settings, created: dict[str, str] | None) -> None:
    if created is None:
        click.echo("demo organisation `demo` exists already (its passwords were printed when "
                   "it was made)")
        return
    click.echo("demo organisation `demo` created; sign in as:")
    for email, password in created.items():
        click.echo(f"  {email:32} {password}")
