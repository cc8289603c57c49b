"""Server-side render time of the web app's main pages on the demo data, and the JavaScript
each page ships.

Run (from the repository root, after `make install`):

    .venv/bin/python bench/bench_pages.py              # 200 renders a page
    .venv/bin/python bench/bench_pages.py --runs 50    # a quick look

What it does, in one process and one run:
1. Builds a fresh SQLite database in a temporary directory through the real migrations and
   loads the demo content (`studyhall demo`: two tracks, 108 published questions, one account
   per role). Through the API the learner then takes two 45-question simulations (one
   submitted, with every question answered; one in progress, half answered).
2. Renders each page in-process (httpx over ASGITransport: the whole app — middleware, access
   rule, session lookup, services, Jinja2 — but no sockets), one request at a time, as the
   person who would open it, after a warm-up; a page that does not answer 200 stops the run.
3. Measures, in the same run and alternating with the pages, the baseline: `GET /healthz`
   through the same app (the framework, middleware and one read transaction, no page).
4. Prints p50/p95/p99 per page, the baseline's, the ratio of each page's p95 to the
   baseline's p95, and the bytes of JavaScript each page loads (its `<script src>` files).

Targets in the issue: p95 under 30 ms a page on the demo data; under 150 KB of JavaScript a
page.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from studyhall.app import create_app
from studyhall.config import Settings
from studyhall.kit.clock import SystemClock
from studyhall.kit.context import Context
from studyhall.ops import demo, migrations
from studyhall.web.rendering import STATIC_DIR

PASSWORD = "bench-demo-password-42"
SCRIPT = re.compile(r'<script src="/static/([^"?]+)')
TARGET_MS = 30.0
JS_BUDGET = 150 * 1024


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), cuts[94], cuts[98]


async def login(client: httpx.AsyncClient, role: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/login",
        json={"email": f"{role}@{demo.DEMO_DOMAIN}", "password": PASSWORD},
    )
    assert response.status_code == 200, response.text
    client.cookies.clear()
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def take_simulation(
    client: httpx.AsyncClient, learner: dict[str, str], track_id: str, share: float, submit: bool
) -> str:
    started = await client.post(
        f"/api/v1/orgs/demo/tracks/{track_id}/attempts", json={"mode": "simulation"},
        headers=learner,
    )  # fmt: skip
    assert started.status_code == 201, started.text
    state = started.json()
    base = f"/api/v1/orgs/demo/attempts/{state['id']}"
    questions = state["questions"]
    for q in questions[: int(len(questions) * share)]:
        answer = {
            "single_choice": lambda q: {"choice": q["options"][0]["id"]},
            "multiple_response": lambda q: {"choices": [q["options"][0]["id"]]},
            "true_false": lambda q: {"value": True},
            "numeric": lambda q: {"value": 1.0},
            "short_text": lambda q: {"text": "delta"},
            "ordering": lambda q: {"order": [o["id"] for o in q["options"]]},
            "matching": lambda q: {"pairs": {q["premises"][0]["id"]: q["responses"][0]["id"]}},
        }[q["type"]](q)
        saved = await client.put(
            f"{base}/answers/{q['position']}", json={"answer": answer}, headers=learner
        )
        assert saved.status_code == 200, saved.text
    if submit:
        done = await client.post(f"{base}/submit", headers=learner)
        assert done.status_code == 200, done.text
    return str(state["id"])


def script_bytes(html: str) -> tuple[int, list[str]]:
    files = SCRIPT.findall(html)
    return sum((STATIC_DIR / f).stat().st_size for f in files), files


async def measure(args: argparse.Namespace, workdir: Path) -> None:
    url = f"sqlite+aiosqlite:///{workdir / 'studyhall.db'}"
    await asyncio.to_thread(migrations.upgrade, url)
    settings = Settings(
        database_url=url, data_dir=workdir, log_level="WARNING", argon2_time_cost=1,
        argon2_memory_kib=256, argon2_parallelism=1,
    )  # fmt: skip
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as c,
    ):
        async with app.state.db.unit_of_work() as session:
            ctx = Context(session=session, clock=SystemClock(), request_id="bench")
            await demo.create(ctx, password_factory=lambda: PASSWORD)
        people = {role: await login(c, role) for role in ("learner", "author", "admin")}
        tracks = (await c.get("/api/v1/orgs/demo/tracks", headers=people["admin"])).json()
        items = tracks if isinstance(tracks, list) else tracks["items"]
        spark = next(t["id"] for t in items if t["exam_length"] == 45)
        done = await take_simulation(c, people["learner"], spark, 1.0, submit=True)
        open_attempt = await take_simulation(c, people["learner"], spark, 0.5, submit=False)
        question = (await c.get("/api/v1/orgs/demo/questions", headers=people["author"])).json()
        qid = question["items"][0]["id"]
        pages = [
            ("landing", "/", {}),
            ("dashboard", "/o/demo", people["learner"]),
            ("exam screen (45 q)", f"/o/demo/attempts/{open_attempt}", people["learner"]),
            ("result", f"/o/demo/attempts/{done}/result", people["learner"]),
            ("review (45 q)", f"/o/demo/attempts/{done}/review", people["learner"]),
            ("history", "/o/demo/attempts", people["learner"]),
            ("questions + facets", "/o/demo/questions", people["author"]),
            ("search 'delta'", "/o/demo/questions?q=delta", people["author"]),
            ("question editor", f"/o/demo/questions/{qid}/edit", people["author"]),
            ("members", "/o/demo/admin/members", people["admin"]),
            ("audit log", "/o/demo/admin/audit", people["admin"]),
        ]
        js: dict[str, tuple[int, list[str]]] = {}
        for name, path, headers in pages:  # warm-up, and every page must answer
            for _ in range(10):
                response = await c.get(path, headers=headers)
                assert response.status_code == 200, (name, response.status_code)
            js[name] = script_bytes(response.text)
        for _ in range(10):
            await c.get("/healthz")
        samples: dict[str, list[float]] = {name: [] for name, _, _ in pages}
        baseline: list[float] = []
        for _ in range(args.runs):
            for name, path, headers in pages:
                began = time.perf_counter()
                await c.get(path, headers=headers)
                samples[name].append((time.perf_counter() - began) * 1000)
                began = time.perf_counter()
                await c.get("/healthz")
                baseline.append((time.perf_counter() - began) * 1000)
    b50, b95, b99 = percentiles(baseline)
    print(f"python {platform.python_version()}, {os.cpu_count()} cpus, {args.runs} renders a page")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"{'page':22} {'p50':>7} {'p95':>7} {'p99':>7} {'p95/base':>9} {'JS KB':>7}  target")
    worst = 0.0
    for name, _, _ in pages:
        p50, p95, p99 = percentiles(samples[name])
        worst = max(worst, p95)
        size = js[name][0] / 1024
        ok = "ok" if p95 < TARGET_MS and js[name][0] < JS_BUDGET else "MISSED"
        print(f"{name:22} {p50:7.2f} {p95:7.2f} {p99:7.2f} {p95 / b95:9.1f} {size:7.1f}  {ok}")
    print(f"{'baseline GET /healthz':22} {b50:7.2f} {b95:7.2f} {b99:7.2f} {1.0:9.1f}")
    most_js = max(v[0] for v in js.values()) / 1024
    print(f"worst page p95 {worst:.2f} ms (target {TARGET_MS:.0f} ms); "
          f"most JavaScript {most_js:.1f} KB (budget 150 KB)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="studyhall-bench-pages-") as workdir:
        asyncio.run(measure(args, Path(workdir)))


if __name__ == "__main__":
    main()
