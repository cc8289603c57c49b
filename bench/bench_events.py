"""Events from commit to a local webhook receiver: events per second, and p50/p99 latency.

    .venv/bin/python bench/bench_events.py [--events 2000] [--paced 500 --rate 50]
                                           [--concurrency 8] [--keep]
                                           [--postgres URL] [--redis URL]

In one process, as `studyhall serve` runs it (embedded worker, SQLite in a temporary data
directory): an organisation with one webhook endpoint; each event is raised in its own
committed transaction (`events.emit`), then dispatched from the outbox, turned into a signed
delivery job, claimed and POSTed to a receiver — a plain HTTP server in another process that
notes the arrival time of each `webhook-id`.

1. Burst: `--events` commits as fast as one writer can, each about another aggregate; the
   figure is events delivered per second from the first commit to the last arrival.
2. Paced: `--paced` events at `--rate` per second; the figure is the latency from each commit
   returning to the receiver having the request (p50, p99).

With `--postgres URL` the database is a new one on that PostgreSQL server (made and dropped
by the run); jobs go through huey's queue on the same engine, or with `--redis URL` on Redis
(scale-out mode: the worker blocks on Redis, commits hand their jobs over). E.g. on
throw-away servers:

    scripts/with-postgres.sh scripts/with-redis.sh sh -c '.venv/bin/python \
        bench/bench_events.py --postgres "$STUDYHALL_TEST_POSTGRES_URL" \
        --redis "$STUDYHALL_TEST_REDIS_URL"'

Baseline, same run, same receiver: bare `httpx` POSTs of the same signed body with the same
concurrency and no database at all (what the HTTP half alone costs), and bare SQLite commits
of one outbox-sized row (what the commit half alone costs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from studyhall.accounts import service as accounts
from studyhall.config import Settings
from studyhall.events import emit
from studyhall.jobs import registry, schedules
from studyhall.jobs.registry import Runtime
from studyhall.jobs.worker import Worker
from studyhall.kit.clock import SystemClock
from studyhall.kit.context import Context
from studyhall.kit.db import Database
from studyhall.kit.logging import configure_logging
from studyhall.ops import migrations
from studyhall.orgs import service as orgs
from studyhall.webhooks import service as webhooks
from studyhall.webhooks.signing import headers, new_secret


def receive(port_out: Any, results: Any, stop: Any, counter: Any) -> None:
    """The receiver process: answer 204 and note (webhook-id, arrival time)."""
    arrivals: list[tuple[str, float]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            arrivals.append((self.headers.get("webhook-id", ""), time.time()))
            with counter.get_lock():
                counter.value += 1
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.put(server.server_address[1])
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop.wait()
    server.shutdown()
    results.put(arrivals)


def ctx_of(session: Any, settings: Settings | None = None) -> Context:
    # The endpoint's signing secret is sealed under the key the worker will open it with.
    key = settings.secret_key if settings is not None else ""
    return Context(session=session, clock=SystemClock(), request_id="bench", secret_key=key)


async def setup(db: Database, url: str, settings: Settings) -> Any:
    async with db.unit_of_work() as session:
        ctx = ctx_of(session, settings)
        owner = await accounts.register(
            ctx, email="bench@example.org", password="violet-harbour-42-lantern", display_name="B"
        )
        org = await orgs.create_org(
            ctx.acting_as(user_id=owner.id), owner=owner, slug="bench", name="Bench"
        )
        await webhooks.create_endpoint(
            ctx, org, url=url, event_types=["*"], description="", allow_private=True
        )
    return org


async def commit_event(db: Database, org_id: uuid.UUID, n: int) -> tuple[int, float]:
    async with db.unit_of_work() as session:
        event = emit(
            ctx_of(session),
            "answer.saved",
            aggregate=("attempt", uuid.uuid4()),
            org_id=org_id,
            data={"position": n},
        )
        await session.flush()
        event_id = event.id
    return event_id, time.time()


async def wait_for(arrivals_seen: Any, count: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while arrivals_seen() < count and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def bare_posts(url: str, count: int, concurrency: int) -> float:
    body = json.dumps({"type": "answer.saved", "data": {"position": 1}}).encode()
    secret = new_secret()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)
    async with httpx.AsyncClient() as client:

        async def one() -> None:
            while not queue.empty():
                n = queue.get_nowait()
                h = headers(secret, f"msg_bare_{n}", int(time.time()), body)
                await client.post(url, content=body, headers=h)

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(concurrency)))
        return count / (time.perf_counter() - started)


async def bare_commits(db: Database, count: int) -> float:
    from sqlalchemy import text

    started = time.perf_counter()
    for n in range(count):
        async with db.unit_of_work() as session:
            await session.execute(
                text("INSERT INTO job_schedules (name, cron, next_run_at) VALUES (:n, '', :t)"),
                {"n": f"bare-{n}", "t": datetime(2026, 1, 1, tzinfo=UTC)},
            )
    return count / (time.perf_counter() - started)


async def fresh_postgres(server_url: str) -> str:
    """A new database on the server of `server_url`; returns its URL."""
    from sqlalchemy import make_url, text
    from sqlalchemy.ext.asyncio import create_async_engine

    name = f"studyhall_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_postgres(server_url: str, url: str) -> None:
    from sqlalchemy import make_url, text
    from sqlalchemy.ext.asyncio import create_async_engine

    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        name = make_url(url).database
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def main(args: argparse.Namespace, folder: Path, url: str, arrivals: Any) -> dict[str, Any]:
    database_url = await fresh_postgres(args.postgres) if args.postgres else None
    try:
        return await measure(args, folder, url, arrivals, database_url)
    finally:
        if database_url:
            await drop_postgres(args.postgres, database_url)


async def measure(
    args: argparse.Namespace, folder: Path, url: str, arrivals: Any, database_url: str | None
) -> dict[str, Any]:
    settings = Settings(
        data_dir=folder,
        database_url=database_url,
        redis_url=args.redis,
        redis_prefix=f"bench_{uuid.uuid4().hex[:8]}",
        webhook_allow_private=True,
        log_level="WARNING",
        worker_concurrency=args.concurrency,
        job_schedules=dict.fromkeys(schedules.DEFAULTS, "off"),
    )
    configure_logging(settings.log_level, json=False)
    db_url = settings.resolved_database_url
    await asyncio.to_thread(migrations.upgrade, db_url)
    db = Database(db_url)
    registry.load()
    org = await setup(db, url, settings)
    results: dict[str, Any] = {}
    async with httpx.AsyncClient(follow_redirects=False) as http:
        worker = Worker(Runtime(db, SystemClock(), settings, http))
        running = asyncio.create_task(worker.run())
        # Burst
        commits: dict[str, float] = {}
        first = time.time()
        for n in range(args.events):
            event_id, at = await commit_event(db, org.id, n)
            commits[f"msg_{event_id}"] = at
        committed = time.time()
        await wait_for(lambda: arrivals.value, args.events, seconds=600)
        results["burst"] = {"events": args.events, "commit_s": committed - first}
        # Paced
        paced: dict[str, float] = {}
        gap = 1 / args.rate
        start = time.perf_counter()
        for n in range(args.paced):
            await asyncio.sleep(max(0.0, start + n * gap - time.perf_counter()))
            event_id, at = await commit_event(db, org.id, n)
            paced[f"msg_{event_id}"] = at
        await wait_for(lambda: arrivals.value, args.events + args.paced, seconds=600)
        await worker.stop()
        await running
    results["commits"], results["paced"] = commits, paced
    results["bare_commits_per_s"] = await bare_commits(db, 500)
    await db.dispose()
    results["bare_posts_per_s"] = await bare_posts(url, 2000, args.concurrency)
    return results


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--paced", type=int, default=500)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--postgres", help="a PostgreSQL server's URL (postgresql+asyncpg://)")
    parser.add_argument("--redis", help="a Redis URL: huey's job queue lives there")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="studyhall-bench-events-"))
    ctx = mp.get_context("spawn")
    port_out, results_q, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    count = ctx.Value("i", 0)
    receiver = ctx.Process(target=receive, args=(port_out, results_q, stop, count), daemon=True)
    receiver.start()
    url = f"http://127.0.0.1:{port_out.get(timeout=30)}/hooks"
    try:
        load = os.getloadavg()[0]
        out = asyncio.run(main(args, folder, url, count))
    finally:
        stop.set()
    arrivals = dict(results_q.get(timeout=60))
    receiver.join(timeout=10)
    report(args, out, arrivals, load)
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


def report(
    args: argparse.Namespace, out: dict[str, Any], arrivals: dict[str, float], load: float
) -> None:
    commits, paced = out["commits"], out["paced"]
    burst_end = max(arrivals[m] for m in commits)
    burst_rate = len(commits) / (burst_end - min(commits.values()))
    latencies = [(arrivals[m] - t) * 1000 for m, t in paced.items() if m in arrivals]
    lost = [m for m in [*commits, *paced] if m not in arrivals]
    print(f"load average before: {load:.2f} on {os.cpu_count()} CPUs")
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(f"database: {database}; huey's queue: {'Redis' if args.redis else 'the database engine'}")
    print(
        f"burst: {len(commits)} events committed in {out['burst']['commit_s']:.2f} s "
        f"({len(commits) / out['burst']['commit_s']:.0f} commits/s)"
    )
    print(f"  commit -> receiver: {burst_rate:.0f} events/s")
    print(
        f"  baseline, bare signed POSTs to the same receiver: {out['bare_posts_per_s']:.0f}/s "
        f"(ratio {burst_rate / out['bare_posts_per_s']:.2f})"
    )
    print(
        f"  baseline, bare {database} commits of one row: {out['bare_commits_per_s']:.0f}/s "
        f"(ratio {burst_rate / out['bare_commits_per_s']:.2f})"
    )
    print(
        f"paced: {len(paced)} events at {args.rate:g}/s, commit -> receiver latency "
        f"p50 {statistics.median(latencies):.1f} ms, p99 {pct(latencies, 0.99):.1f} ms, "
        f"max {max(latencies):.1f} ms"
    )
    print(f"lost: {len(lost)}; received twice: 0 expected (webhook-id is unique per event)")


if __name__ == "__main__":
    sys.exit(run())
