"""Question search on a 20,000-question bank, beside the bare full-text query on the same database.

Run (from the repository root, after `make install`):

    .venv/bin/python bench/bench_search.py                  # 20,000 questions, 300 runs a kind
    .venv/bin/python bench/bench_search.py --questions 5000 --runs 50    # a quick look
    .venv/bin/python bench/bench_search.py --orgs 2         # a second organisation as big
    .venv/bin/python bench/bench_search.py --keep           # keep the database to explore
    scripts/with-postgres.sh .venv/bin/python bench/bench_search.py --postgres  # on PostgreSQL

What it does, in one process and one run:
1. Builds a fresh database through the real migrations (SQLite in a temporary directory, or
   with `--postgres` a new database on the server in STUDYHALL_TEST_POSTGRES_URL); signs up
   one owner, makes an organisation and a track with 16 leaf topics through the API; then
   writes the questions in bulk with SQLAlchemy Core (questions, head versions and tag rows;
   the triggers or the generated column fill the full-text index as in production). The text
   is drawn from a vocabulary of data-engineering words with a Zipf-like skew, so some words
   are in nearly every question and the rarest still in about one in eight. With `--orgs N`,
   N - 1 more organisations of the same size share the database (and on SQLite its one FTS5
   table), as on a multi-tenant server.
2. Settles its heap as `studyhall serve` does once started (start-up objects frozen out of
   the collector's reach, young collections less often), then calls
   `GET /api/v1/orgs/{org}/questions` in-process (httpx over ASGITransport: the whole
   app, access rule, session lookup and JSON, but no sockets), one request at a time, for
   each kind of query below, several query texts per kind, after a warm-up.
3. Measures, in the same run and alternating with the app, the baseline: the bare full-text
   query for the same text on the same database through the bare driver, i.e. the matching
   and ranking Studyhall cannot avoid, without filters, facets, joins or the app (SQLite:
   `SELECT rowid, bm25(question_search, 1.0, 0.0) FROM question_search WHERE question_search
   MATCH '<the org's id> AND <the text>' ORDER BY 2 LIMIT 51`; PostgreSQL: the organisation's
   51 best by `ts_rank` of the stored vector). For kinds without text, the newest 51 rows of
   the organisation from `questions`.
4. Prints p50/p95/p99 per kind and overall, the baseline's, the ratios, and the CPU time this
   process used per request (on a shared machine, wall time includes waiting for a CPU; on
   SQLite the database's work is in the process, on PostgreSQL it is not).

The target in the issue is p95 under 50 ms per search with facets.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from studyhall.app import create_app
from studyhall.bank.models import Question, QuestionTag, QuestionVersion
from studyhall.bank.search_query import fts5_org_query
from studyhall.config import Settings
from studyhall.ops import migrations
from studyhall.ops.command_line import settle_heap

PASSWORD = "bench-password-violet-42"
VOCABULARY = (
    "data frame partition shuffle executor driver cluster memory cache spill join broadcast "
    "stage task job schema column row table query plan optimizer catalyst tungsten window "
    "aggregate filter sort bucket file parquet delta stream batch watermark trigger "
    "checkpoint state sink source kafka offset latency throughput skew salt repartition "
    "coalesce narrow wide transformation action lazy lineage fault tolerance replica node "
    "worker core slot heap garbage collector serialization kryo encoder dataset api sql "
    "function udf pandas arrow vectorized predicate pushdown pruning statistics histogram "
    "cost index merge upsert vacuum history version time travel isolation transaction commit "
    "log compaction z-order clustering liquid photon runtime adaptive execution dynamic "
    "allocation speculation locality scheduler fair pool queue resource yarn kubernetes "
    "standalone mesos container"
)
WORDS = VOCABULARY.split()
TAGS = [f"tag-{n}" for n in range(60)]
TYPES = (
    ["single_choice"] * 6
    + ["multiple_response"] * 2
    + ["true_false", "numeric", "short_text", "ordering"]
)
STATUSES = ["published"] * 7 + ["draft"] * 2 + ["in_review", "retired"]

# Kinds of query: (name, parameter sets cycled through); `{topic}` and `{track}` are filled in.
KINDS: list[tuple[str, list[dict[str, Any]]]] = [
    ("browse, facets", [{}]),
    ("browse + filters", [
        {"type": "single_choice", "status": "published"},
        {"tag": ["tag-1", "tag-7"], "difficulty": [2, 3]},
        {"topic": "{topic}", "status": "published"},
    ]),
    ("text, common word", [{"q": "data"}, {"q": "partition"}, {"q": "executor"}]),
    ("text, rare word", [{"q": "mesos"}, {"q": "kryo"}, {"q": "histogram"}]),
    ("text, two words", [{"q": "shuffle partition"}, {"q": "broadcast join"},
                         {"q": "memory spill"}]),
    ("text, prefix", [{"q": "partit"}, {"q": "serial"}, {"q": "checkp"}]),
    ("text + filters", [
        {"q": "data", "status": "published", "type": "single_choice"},
        {"q": "join", "tag": "tag-2", "difficulty": 3},
        {"q": "stream", "topic": "{topic}", "track": "{track}"},
    ]),
    ("text, no facets", [{"q": "data", "facets": "false"}, {"q": "shuffle", "facets": "false"}]),
    ("text, page 2", [{"q": "data", "page": 2}, {"q": "cluster", "page": 2}]),
]  # fmt: skip


def zipf_words(rng: random.Random, count: int) -> list[str]:
    # Word n is picked with weight 1/(n+1): the first few are everywhere, the tail is rare.
    return rng.choices(WORDS, weights=[1 / (n + 1) for n in range(len(WORDS))], k=count)


def sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(zipf_words(rng, rng.randint(low, high))).capitalize() + "."


def track_payload() -> dict[str, Any]:
    return {
        "slug": "bench", "name": "Bench track", "exam_length": 60, "time_limit_minutes": 90,
        "passing_score": 70,
        "topics": [
            {"name": f"Area {a}", "weight": 25, "children": [
                {"name": f"Topic {a}.{b}", "weight": 25} for b in range(4)]}
            for a in range(4)
        ],
    }  # fmt: skip


def leaves(track: dict[str, Any]) -> list[str]:
    return [child["id"] for area in track["topics"] for child in area["children"]]


def make_rows(
    rng: random.Random, org_id: str, track_id: str, topics: list[str], count: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    questions, versions, tags = [], [], []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    org, track = uuid.UUID(org_id), uuid.UUID(track_id)
    for n in range(count):
        question_id, version_id = uuid.uuid4(), uuid.uuid4()
        stem = sentence(rng, 12, 40)
        options = [sentence(rng, 2, 8) for _ in range(4)]
        explanation = sentence(rng, 15, 50)
        topic = uuid.UUID(rng.choice(topics))
        kind, status, difficulty = rng.choice(TYPES), rng.choice(STATUSES), rng.randint(1, 5)
        chosen = sorted(set(rng.choices(TAGS, weights=[1 / (i + 1) for i in range(60)],
                                        k=rng.randint(0, 4))))  # fmt: skip
        when = start + timedelta(seconds=n * 90 + rng.randint(0, 60))
        content = {
            "stem": stem, "explanation": explanation, "topic_id": str(topic), "tags": chosen,
            "difficulty": difficulty, "body": {"type": kind, "options": [
                {"id": f"o{i}", "text": text, "correct": i == 0}
                for i, text in enumerate(options)]},
        }  # fmt: skip
        questions.append({
            "id": question_id, "org_id": org, "track_id": track, "author_id": None,
            "head_version_id": version_id, "published_version_id": version_id,
            "status": status, "type": kind, "topic_id": topic, "difficulty": difficulty,
            "search_text": "\n".join([stem, *options, explanation]), "revision": 1,
            "created_at": when, "updated_at": when,
        })  # fmt: skip
        versions.append({
            "id": version_id, "org_id": org, "question_id": question_id, "number": 1,
            "type": kind, "topic_id": topic, "content": content, "rendered": {},
            "content_hash": hashlib.sha256(json.dumps(content).encode()).hexdigest(),
            "created_by": None, "created_at": when,
        })  # fmt: skip
        tags += [{"question_id": question_id, "tag": t, "org_id": org} for t in chosen]
    return questions, versions, tags


async def build_bank(
    client: httpx.AsyncClient, app: Any, count: int, orgs: int, seed: int
) -> dict[str, Any]:
    """`orgs` organisations of `count` questions each; what the queries need of the first."""
    rng = random.Random(seed)
    info: dict[str, Any] = {}
    for slug in ["bench", *(f"other-{n}" for n in range(1, orgs))]:
        email = f"{slug}@example.com"
        registered = await client.post("/api/v1/auth/register", json={
            "email": email, "password": PASSWORD, "display_name": slug})  # fmt: skip
        assert registered.status_code == 201, registered.text
        login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        client.cookies.clear()
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        org = await client.post("/api/v1/orgs", json={"slug": slug, "name": slug}, headers=auth)
        track = await client.post(f"/api/v1/orgs/{slug}/tracks", json=track_payload(),
                                  headers=auth)  # fmt: skip
        assert track.status_code == 201, track.text
        topics = leaves(track.json())
        questions, versions, tags = make_rows(
            rng, org.json()["id"], track.json()["id"], topics, count
        )
        async with app.state.db.unit_of_work() as session:
            for model, rows in ((Question, questions), (QuestionVersion, versions),
                                (QuestionTag, tags)):  # fmt: skip
                for at in range(0, len(rows), 2000):
                    await session.execute(model.__table__.insert(), rows[at : at + 2000])
        if slug == "bench":
            info = {"auth": auth, "topic": topics[0], "track": track.json()["id"],
                    "org_id": org.json()["id"]}  # fmt: skip
    async with app.state.db.unit_of_work() as session:
        await session.execute(text("ANALYZE"))
    return info


def fill(params: dict[str, Any], info: dict[str, Any]) -> dict[str, Any]:
    return {k: info[v[1:-1]] if isinstance(v, str) and v.startswith("{") else v
            for k, v in params.items() if k != "page"}  # fmt: skip


async def timed(call: Callable[[], Awaitable[None]]) -> tuple[float, float]:
    """Milliseconds of wall-clock time, and of CPU time used by this process (all its
    threads: the app, and on SQLite the database too) meanwhile."""
    started, cpu = time.perf_counter(), time.process_time()
    await call()
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), cuts[94], cuts[98]


class Bare:
    """The baseline: the same lookups as bare SQL on the same database, no app in between."""

    def __init__(self, engine: str, url: str, org_id: uuid.UUID) -> None:
        self.engine, self.url, self.org_id = engine, url, org_id
        self.sqlite: aiosqlite.Connection | None = None
        self.pg: Any = None

    async def __aenter__(self) -> Bare:
        if self.engine == "sqlite":
            self.sqlite = await aiosqlite.connect(self.url)
        else:
            self.pg = await asyncpg.connect(self.url)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self.sqlite is not None:
            await self.sqlite.close()
        if self.pg is not None:
            await self.pg.close()

    async def run(self, params: dict[str, Any]) -> None:
        text_query = params.get("q")
        if self.sqlite is not None:
            if text_query:  # what Studyhall's full-text part does, and nothing else
                sql = (
                    "SELECT rowid, bm25(question_search, 1.0, 0.0) FROM question_search "
                    "WHERE question_search MATCH ? ORDER BY 2 LIMIT 51"
                )
                args: tuple[Any, ...] = (fts5_org_query(self.org_id, text_query),)
            else:
                sql = NEWEST_SQL.replace("$1", "?")
                args = (self.org_id.hex,)
            rows = await (await self.sqlite.execute(sql, args)).fetchall()
        elif text_query:
            # May be empty: websearch syntax has no prefixes ("checkp" finds nothing there).
            await self.pg.fetch(PG_TEXT_SQL, text_query, self.org_id)
            return
        else:
            rows = await self.pg.fetch(NEWEST_SQL, self.org_id)
        assert rows


NEWEST_SQL = (
    "SELECT id, type, status FROM questions WHERE org_id = $1 "
    "ORDER BY created_at DESC, id DESC LIMIT 51"
)
PG_TEXT_SQL = (
    "SELECT id, ts_rank(search_vector, websearch_to_tsquery('english', $1)) AS rank "
    "FROM questions WHERE org_id = $2 "
    "AND search_vector @@ websearch_to_tsquery('english', $1) ORDER BY rank DESC LIMIT 51"
)


async def database(args: argparse.Namespace, workdir: Path) -> tuple[str, str]:
    """A new, empty database: the app's URL and the bare driver's."""
    if not args.postgres:
        path = workdir / "studyhall.db"
        return f"sqlite+aiosqlite:///{path}", str(path)
    server = os.environ.get("STUDYHALL_TEST_POSTGRES_URL")
    if not server:
        raise SystemExit("--postgres needs STUDYHALL_TEST_POSTGRES_URL (scripts/with-postgres.sh)")
    name = f"bench_search_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(make_url(server).set(drivername="postgresql").render_as_string(
        hide_password=False))  # fmt: skip
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = make_url(server).set(database=name)
    bare = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return url.render_as_string(hide_password=False), bare


async def measure(args: argparse.Namespace, workdir: Path) -> None:
    url, bare_url = await database(args, workdir)
    await asyncio.to_thread(migrations.upgrade, url)
    settings = Settings(
        database_url=url,
        data_dir=workdir,
        log_level="WARNING",
        argon2_time_cost=1,
        argon2_memory_kib=256,
        argon2_parallelism=1,
    )
    app = create_app(settings)
    built = time.perf_counter()
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client,
    ):
        info = await build_bank(client, app, args.questions, args.orgs, args.seed)
        settle_heap()  # as `studyhall serve` does once it has started
        engine = app.state.db.dialect
        print(f"built {args.orgs} x {args.questions} questions on {engine} in "
              f"{time.perf_counter() - built:.1f} s")  # fmt: skip
        async with Bare(engine, bare_url, uuid.UUID(info["org_id"])) as bare:
            await run_kinds(args, client, info, bare)


async def run_kinds(
    args: argparse.Namespace, client: httpx.AsyncClient, info: dict[str, Any], bare: Bare
) -> None:
    url_path = "/api/v1/orgs/bench/questions"

    async def studyhall(params: dict[str, Any], page: int) -> None:
        response = await client.get(url_path, params=params, headers=info["auth"])
        assert response.status_code == 200, response.text
        for _ in range(page - 1):
            response = await client.get(response.json()["next"], headers=info["auth"])
            assert response.status_code == 200, response.text

    baseline = bare.run

    results: dict[str, Samples] = {}
    for name, variants in KINDS:
        ours: list[float] = []
        bares: list[float] = []
        cpus: list[float] = []
        for n in range(args.warmup + args.runs):
            raw = variants[n % len(variants)]
            params, page = fill(raw, info), int(raw.get("page", 1))
            # A page-2 figure is the cost of the second request alone.
            if page > 1:
                first = await client.get(url_path, params=params, headers=info["auth"])
                next_url = first.json()["next"]
                took, cpu = await timed(lambda u=next_url: _get(client, u, info["auth"]))
            else:
                took, cpu = await timed(lambda p=params: studyhall(p, 1))
            base, _ = await timed(lambda p=params: baseline(p))
            if n >= args.warmup:
                ours.append(took)
                cpus.append(cpu)
                bares.append(base)
        results[name] = (ours, bares, cpus)
    report(results)


async def _get(client: httpx.AsyncClient, url: str, auth: dict[str, str]) -> None:
    response = await client.get(url, headers=auth)
    assert response.status_code == 200, response.text


Samples = tuple[list[float], list[float], list[float]]  # ours, the baseline's, our CPU


def report(results: dict[str, Samples]) -> None:
    head = (f"{'kind':<22} {'p50':>7} {'p95':>7} {'p99':>7}   {'bare p50':>8} {'bare p95':>8}"
            f"   {'p50 x':>6} {'p95 x':>6}   {'cpu p50':>7} {'cpu p95':>7}")  # fmt: skip
    print(head)
    print("-" * len(head))
    everything: Samples = ([], [], [])
    for name, samples in [*results.items(), ("overall", everything)]:
        if name != "overall":
            for kept, more in zip(everything, samples, strict=True):
                kept.extend(more)
        ours, bares, cpus = samples
        p50, p95, p99 = percentiles(ours)
        b50, b95, _ = percentiles(bares)
        c50, c95, _ = percentiles(cpus)
        print(f"{name:<22} {p50:7.1f} {p95:7.1f} {p99:7.1f}   {b50:8.2f} {b95:8.2f}"
              f"   {p50 / b50:6.1f} {p95 / b95:6.1f}   {c50:7.1f} {c95:7.1f}")  # fmt: skip
    print("(milliseconds; `x` is Studyhall / bare; cpu is this process's CPU time per request)")


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs ({model}); "
            f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; "
            f"load average {load:.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20_000, help="per organisation")
    parser.add_argument("--runs", type=int, default=300, help="measured requests per kind")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--orgs", type=int, default=1, help="organisations of that size")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="on a new database of the server in STUDYHALL_TEST_POSTGRES_URL",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    print(machine())
    workdir = Path(tempfile.mkdtemp(prefix="studyhall-bench-search-"))
    try:
        asyncio.run(measure(args, workdir))
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
