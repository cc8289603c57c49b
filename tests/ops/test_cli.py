"""The `studyhall` command as an operator runs it: a real process, a real database of each engine.

Each process costs a second or two of imports, so the tests below chain several commands each;
`--help` of every command is rendered in-process (the same click code), the rest runs for real.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from studyhall import __version__
from studyhall.app import create_app
from studyhall.cli import main
from studyhall.ops import migrations
from studyhall.orgs.roles import Role
from tests.conftest import ENGINES, fresh_database_url, make_settings

HEAD = migrations.head_revision()
# Cheap hashes: these processes hash passwords, and the production cost is tested apart.
FAST_HASHES = {
    "STUDYHALL_ARGON2_TIME_COST": "1",
    "STUDYHALL_ARGON2_MEMORY_KIB": "256",
    "STUDYHALL_ARGON2_PARALLELISM": "1",
}
STRONG_PASSWORD = "violet-harbour-42-lantern"


@dataclass
class Cli:
    """The `studyhall` command bound to one database, as an operator's shell would run it."""

    url: str
    data_dir: Path

    @property
    def env(self) -> dict[str, str]:
        # Nothing from the developer's own STUDYHALL_* variables leaks into the command.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("STUDYHALL_")}
        return {
            **inherited,
            **FAST_HASHES,
            "STUDYHALL_DATABASE_URL": self.url,
            "STUDYHALL_DATA_DIR": str(self.data_dir),
        }

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "studyhall", *args]

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 (our own interpreter and arguments)
            self.command(*args),
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def ok(self, *args: str, **env: str) -> str:
        done = self.run(*args, **env)
        assert done.returncode == 0, f"studyhall {' '.join(args)}:\n{done.stdout}{done.stderr}"
        assert "Traceback" not in done.stderr
        return done.stdout

    def fails(self, *args: str, **env: str) -> str:
        """Runs a command that must fail cleanly: non-zero, one-line reason, no traceback."""
        done = self.run(*args, **env)
        assert done.returncode != 0, f"studyhall {' '.join(args)} succeeded:\n{done.stdout}"
        assert "Traceback" not in done.stderr, done.stderr
        assert done.stderr.strip(), "a failure must say why"
        return done.stderr


@pytest.fixture(params=ENGINES)
async def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Cli:
    """The command on an empty database (no schema) of one engine."""
    return Cli(url=await fresh_database_url(request.param, tmp_path), data_dir=tmp_path / "data")


def tables(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
        finally:
            await engine.dispose()

    return asyncio.run(read())


def query(url: str, sql: str) -> list[tuple[object, ...]]:
    async def read() -> list[tuple[object, ...]]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return [tuple(row) for row in await connection.execute(text(sql))]
        finally:
            await engine.dispose()

    return asyncio.run(read())


# --- help and version ------------------------------------------------------------------------


def _every_command(
    group: click.Group, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    found: list[tuple[tuple[str, ...], click.Command]] = [(path, group)]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _every_command(command, (*path, name))
        else:
            found.append(((*path, name), command))
    return found


COMMANDS = _every_command(main)


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(p) or "studyhall" for p, _ in COMMANDS]
)
def test_every_command_and_option_explains_itself(
    path: tuple[str, ...], command: click.Command
) -> None:
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="studyhall")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: studyhall {' '.join(path)}".rstrip())
    summary = (command.help or "").strip().splitlines()[0]
    assert summary, f"`{' '.join(path)}` has no description"
    assert summary in " ".join(result.output.split())  # help text is wrapped to the terminal
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"`{' '.join(path)} {param.opts[0]}` has no help text"
    if isinstance(command, click.Group):
        for name in command.commands:
            assert name in result.output


def test_version_and_help_from_a_real_process(tmp_path: Path) -> None:
    cli = Cli(url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}", data_dir=tmp_path)
    # The installed console script and `python -m studyhall` are the same command.
    script = Path(sys.executable).with_name("studyhall")
    version = subprocess.run(  # noqa: S603
        [str(script), "--version"], env=cli.env, capture_output=True, text=True, check=True
    )
    assert version.stdout.strip() == f"studyhall, version {__version__}"
    top = cli.ok("--help")
    for name in ("serve", "migrate", "check", "createuser", "orgs", "demo"):
        assert re.search(rf"^\s+{name}\s+\S", top, re.MULTILINE), f"{name} missing from --help"


def test_production_refuses_to_run_with_the_default_secret(tmp_path: Path) -> None:
    cli = Cli(url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}", data_dir=tmp_path)
    error = cli.fails("check", STUDYHALL_ENV="production")
    assert "STUDYHALL_SECRET_KEY" in error


# --- schema ----------------------------------------------------------------------------------


def test_schema_from_nothing_to_head_and_back(cli: Cli) -> None:
    assert cli.ok("migrate", "current").strip() == (
        f"current: nothing  head: {HEAD}  (behind: run `studyhall migrate upgrade`)"
    )
    error = cli.fails("check")
    assert f"schema: at nothing, head is {HEAD}" in error
    assert "studyhall migrate upgrade" in error

    assert cli.ok("migrate", "upgrade").strip() == f"schema at {HEAD}"
    assert cli.ok("migrate", "current").strip() == f"current: {HEAD}  head: {HEAD}  (at head)"
    assert cli.ok("check").splitlines() == [
        "configuration: ok (development)",
        "database: reachable",
        f"schema: at head ({HEAD})",
        "secrets: 0 sealed under the current key",
    ]
    assert {"users", "orgs", "memberships", "audit_events"} <= tables(cli.url)

    assert cli.ok("migrate", "downgrade", "base").strip() == "schema at nothing"
    assert tables(cli.url) <= {"alembic_version"}, "downgrade to base must remove every table"
    assert cli.ok("migrate", "upgrade").strip() == f"schema at {HEAD}"
    assert {"users", "orgs", "memberships", "audit_events"} <= tables(cli.url)


def test_commands_that_need_the_schema_say_so_instead_of_crashing(cli: Cli) -> None:
    error = cli.fails("createuser", "--email", "ada@example.com", "--password", STRONG_PASSWORD)
    assert "run `studyhall migrate upgrade`" in error


def test_an_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    closed = f"postgresql+asyncpg://studyhall:pw@127.0.0.1:{_free_port()}/studyhall"
    cli = Cli(url=closed, data_dir=tmp_path)
    error = cli.fails("check")
    assert "database: unreachable" in error
    assert "pw@" not in error, "the password in the URL must not be printed"
    assert "database:" in cli.fails("migrate", "upgrade")


# --- accounts, organisations, demo -----------------------------------------------------------


def test_accounts_organisations_and_the_demo(cli: Cli) -> None:
    migrations.upgrade(cli.url)

    weak = cli.fails("createuser", "--email", "ada@example.com", "--password", "short")
    assert "password: Password must be at least 10 characters long" in weak
    assert query(cli.url, "SELECT email FROM users") == []

    created = cli.ok(
        "createuser", "--email", "Ada@Example.com", "--password", STRONG_PASSWORD, "--admin"
    )
    assert re.fullmatch(r"created administrator [0-9a-f-]{36}\n", created)
    assert query(cli.url, "SELECT email, display_name, is_superuser FROM users") == [
        ("ada@example.com", "Ada", True)
    ]

    made = cli.ok(
        "orgs",
        "create",
        "--slug",
        "lovelace",
        "--name",
        "Lovelace Academy",
        "--owner",
        "ada@example.com",
    )
    assert made.startswith("created organisation lovelace (")
    assert query(
        cli.url, "SELECT o.slug, m.role FROM orgs o JOIN memberships m ON m.org_id = o.id"
    ) == [("lovelace", "owner")]
    assert "no account with that email" in cli.fails(
        "orgs", "create", "--slug", "other", "--name", "Other", "--owner", "nobody@example.com"
    )

    first = cli.ok("demo")
    accounts = dict(re.findall(r"^\s+(\S+@demo\.example\.org)\s+(\S+)$", first, re.MULTILINE))
    assert {email.split("@")[0] for email in accounts} == {role.value for role in Role}
    assert "exists already" in cli.ok("demo")
    assert _signs_in(cli.url, "owner@demo.example.org", accounts["owner@demo.example.org"]) == [
        {"org_slug": "demo", "org_name": "Studyhall Demo", "role": "owner"}
    ]


def _signs_in(url: str, email: str, password: str) -> list[dict[str, str]]:
    """The printed password works: sign in over the API and return the memberships."""

    async def sign_in() -> list[dict[str, str]]:
        app = create_app(make_settings(url), configure_logs=False)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://cli") as client,
        ):
            login = await client.post(
                "/api/v1/auth/login", json={"email": email, "password": password}
            )
            assert login.status_code == 200, login.text
            me = await client.get(
                "/api/v1/me", headers={"Authorization": f"Bearer {login.json()['token']}"}
            )
            return list(me.json()["memberships"])

    return asyncio.run(sign_in())


# --- serve -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (http://127.0.0.1)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serve_answers_health_checks_and_stops_cleanly_on_sigterm(cli: Cli, tmp_path: Path) -> None:
    port = _free_port()
    # SQLite is migrated by `serve` itself; an external database only when asked.
    migrate = [] if cli.url.startswith("sqlite") else ["--migrate"]
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("w") as stdout, err.open("w") as stderr:
        server = subprocess.Popen(  # noqa: S603
            cli.command("serve", "--port", str(port), *migrate),
            env=cli.env,
            stdout=stdout,
            stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"serve exited early:\n{err.read_text()}"
            try:
                status, body = _get(f"{base}/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, f"serve never answered:\n{err.read_text()}"
                time.sleep(0.2)
        assert (status, body) == (200, {"status": "ok", "version": __version__})
        status, ready = _get(f"{base}/readyz", {"X-Request-ID": "probe-from-the-test-1"})
        assert status == 200, ready
        assert ready["status"] == "ok"
        assert ready["schema_revision"] == ready["schema_head"] is not None
    finally:
        server.send_signal(signal.SIGTERM)  # this process, by its PID
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            pytest.fail("serve did not stop within 30 s of SIGTERM")

    # uvicorn finishes its shutdown and then re-raises the signal, as a well-behaved daemon does.
    assert server.returncode in (0, -signal.SIGTERM)
    assert f"on http://127.0.0.1:{port}/" in out.read_text()
    lines = [json.loads(line) for line in err.read_text().splitlines()]  # every line is JSON
    assert "Traceback" not in err.read_text()
    assert any(line["event"] == "Application shutdown complete." for line in lines)
    assert any(
        line.get("route") == "/readyz" and line.get("request_id") == "probe-from-the-test-1"
        for line in lines
    )


# --- sealed secrets --------------------------------------------------------------------------


def test_secrets_reseal_moves_webhook_secrets_to_a_replaced_secret_key(cli: Cli) -> None:
    from tests.conftest import TEST_SECRET
    from tests.factories import org_with_a_webhook

    cli.ok("migrate", "upgrade")
    asyncio.run(org_with_a_webhook(cli.url))  # its secret sealed under TEST_SECRET
    (before,) = query(cli.url, "SELECT secret FROM webhook_endpoints")
    new_key = "a-replacement-secret-key-for-this-installation"

    def reseal(**env: str) -> subprocess.CompletedProcess[str]:
        return cli.run("secrets", "reseal", STUDYHALL_SECRET_KEY=new_key, **env)

    # `check` with the key replaced and the old one not listed: those secrets fail deliveries.
    refused = cli.fails("check", STUDYHALL_SECRET_KEY=new_key)
    assert "secrets: 1 webhook signing secret(s) open under no key" in refused
    previous = json.dumps([TEST_SECRET])
    listed = cli.run("check", STUDYHALL_SECRET_KEY=new_key, STUDYHALL_PREVIOUS_SECRET_KEYS=previous)
    assert listed.returncode == 0, listed.stderr
    assert "secrets: 1 of 1 not yet under the current key" in listed.stdout

    forgot = reseal()  # the old key not listed: nothing can move, and the operator is told
    assert forgot.returncode != 0
    assert "1 webhook secret(s) open under no key" in forgot.stderr
    assert "Traceback" not in forgot.stderr
    assert query(cli.url, "SELECT secret FROM webhook_endpoints") == [before]

    moved = reseal(STUDYHALL_PREVIOUS_SECRET_KEYS=previous)
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.strip() == "resealed 1 secret(s) under the current key"
    again = reseal()  # the old key can go: the secret opens under the new one alone
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "resealed 0 secret(s) under the current key"
    checked = cli.ok("check", STUDYHALL_SECRET_KEY=new_key)
    assert "secrets: 1 sealed under the current key" in checked

    refused = cli.fails("migrate", "downgrade", "0007")  # the schema before cannot read it
    assert "remove those endpoints first" in refused
    # SQLite keeps the steps down to 0008 that ran before the refusal; PostgreSQL's one DDL
    # transaction rolls all of them back, leaving the newest schema (later than 0008 once
    # migrations are added after it).
    kept = "0008" if cli.url.startswith("sqlite") else HEAD
    assert query(cli.url, "SELECT version_num FROM alembic_version") == [(kept,)]
