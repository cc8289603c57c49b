"""Study plans over HTTP: generating and re-planning stored plans at 64 connections (wrk).

Run (from the repository root, after `make install`; needs `wrk`):

    .venv/bin/python bench/bench_plans_http.py                  # 64 learners, 15 s per kind
    .venv/bin/python bench/bench_plans_http.py --duration 5     # a quick look

What it does, all on this machine (loopback only, bounded in time):
1. Builds a fresh SQLite data directory through the real migrations and services: an
   organisation, a track of 48 topics (weights 1-5) and --learners learners, each signed in.
2. Starts `studyhall serve` (its default workers, embedded worker on, log level WARNING), and
   through the API gives every learner a week of 2-4 h a day and a goal with its exam 30 days
   away: the issue's case (a), the one Editaliza's generator answers at 6.3 plans/s (p99
   7.9 s) at 64 connections on this machine kind.
3. Drives `POST /plan/generate` and then `POST /plan/replan` with `wrk -t2 -c64`, each request
   signed in as the next learner in turn, so every request stores a whole plan (~100 blocks)
   for one of the learners, while they write concurrently.
4. Starts the bare Starlette insert (bench/bare_insert_app.py) and drives its one-row insert
   the same way: the framework's own cost of a durable write, measured in the same run.
5. Prints plans/s (2xx only), p50/p99, errors and server CPU per plan; the ratio to
   Editaliza's figure (an outside number, quoted) and to the bare insert (measured here).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from bench_auth import HOST, Server, machine, run_wrk
from bench_exam import cpu_seconds, free_port, start_server, stop
from studyhall.accounts import service as accounts
from studyhall.accounts.passwords import configure_hasher
from studyhall.exams import tracks
from studyhall.exams.schemas import TrackIn
from studyhall.kit.clock import SystemClock
from studyhall.kit.context import Context
from studyhall.kit.db import Database
from studyhall.ops import migrations
from studyhall.orgs import service as orgs
from studyhall.orgs.roles import Role

BENCH = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
PASSWORD = "bench-password-violet-42"
EDITALIZA_PLANS_PER_SECOND = 6.3  # issue 14: its generator at 64 connections, this machine kind
LUA_ROTATE = """
tokens = {%s}
counter = 0
request = function()
  counter = counter + 1
  local token = tokens[(counter %% #tokens) + 1]
  return wrk.format("POST", nil, {["Authorization"] = "Bearer " .. token,
                                  ["Content-Type"] = "application/json"}, "%s")
end
"""


async def build_world(url: str, learners: int) -> tuple[str, list[str]]:
    """An organisation with a 48-topic track and `learners` signed-in learners.

    Returns the track's id and the learners' bearer tokens."""
    configure_hasher(time_cost=1, memory_cost_kib=1024, parallelism=1)
    await asyncio.to_thread(migrations.upgrade, url)
    db = Database(url)
    rng = random.Random(48)
    tokens = []
    async with db.unit_of_work() as session:
        ctx = Context(session=session, clock=SystemClock(), request_id="bench",
                      secret_key="bench")  # fmt: skip
        owner = await accounts.register(
            ctx, email="owner@bench.example.org", password=PASSWORD, display_name="Owner"
        )
        org = await orgs.create_org(
            ctx.acting_as(user_id=owner.id), owner=owner, slug="bench", name="Bench"
        )
        raw = [rng.randint(1, 5) for _ in range(48)]  # weights 1-5, scaled to sum to 100
        topics = [{"name": f"Topic {i}", "weight": 100 * w / sum(raw)} for i, w in enumerate(raw)]
        track = TrackIn.model_validate({
            "slug": "bench", "name": "Bench track", "exam_length": 60,
            "time_limit_minutes": 180, "passing_score": 70, "topics": topics})  # fmt: skip
        syllabus = await tracks.create_track(ctx.acting_as(user_id=owner.id), org, track)
        policy = accounts.ThrottlePolicy(
            window=timedelta(minutes=1), max_per_account=100, max_per_address=10_000
        )
        for n in range(learners):
            email = f"learner{n}@bench.example.org"
            user = await accounts.register(
                ctx, email=email, password=PASSWORD, display_name=f"Learner {n}"
            )
            await orgs.add_member(ctx, org, user, Role.LEARNER)
            found = await accounts.check_credentials(
                ctx, email=email, password=PASSWORD, policy=policy
            )
            signed = await accounts.record_login(
                ctx, found, policy=policy, session_ttl=timedelta(hours=2)
            )
            tokens.append(signed.token)
        track_id = str(syllabus.track.id)
    await db.dispose()
    return track_id, tokens


def give_goals(server: Server, track_id: str, tokens: list[str]) -> None:
    """Each learner's week (2-4 h a day) and a goal with its exam 30 days away."""
    import httpx

    rng = random.Random(7)
    base = f"{server.base}/api/v1/orgs/bench"
    with httpx.Client(timeout=60) as client:
        for token in tokens:
            headers = {"Authorization": f"Bearer {token}"}
            week = [rng.choice(range(120, 241, 15)) for _ in range(7)]
            client.put(f"{base}/plan/profile", headers=headers, json={
                "time_zone": "America/Sao_Paulo", "minutes_by_weekday": week,
                "session_minutes": 50, "daily_questions": 30}).raise_for_status()  # fmt: skip
            exam = (date.today() + timedelta(days=31)).isoformat()
            client.post(f"{base}/plan/goals", headers=headers, json={
                "track_id": track_id, "exam_date": exam}).raise_for_status()  # fmt: skip
            client.post(f"{base}/plan/generate", headers=headers).raise_for_status()


def rotating_script(workdir: Path, name: str, tokens: list[str], body: str) -> Path:
    path = workdir / f"{name}.lua"
    quoted = ", ".join(f'"{t}"' for t in tokens)
    done = (BENCH / "bench_auth.py").read_text().split('LUA_DONE = """', 1)[1].split('"""')[0]
    path.write_text(LUA_ROTATE % (quoted, body.replace('"', '\\"')) + done.replace("\\\\n", "\\n"))
    return path


def measure(
    name: str, url: str, pid: int, script: Path, args: argparse.Namespace, raw: Path
) -> dict[str, float]:
    print(f"  {name:9} {args.duration} s ...", end=" ", flush=True)
    run_wrk(url, script, seconds=args.warmup, connections=args.connections)
    cpu_before = cpu_seconds(pid)
    result = run_wrk(url, script, seconds=args.duration, connections=args.connections, raw_log=raw)
    cpu = cpu_seconds(pid) - cpu_before
    ok = result["requests"] - result["status_errors"]
    figures = {
        "per_second": ok / (result["duration_us"] / 1e6),
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "errors": result["status_errors"] + result["socket_errors"] + result["timeouts"],
        "cpu_ms": 1000 * cpu / max(ok, 1),
    }
    print(
        f"{figures['per_second']:8.1f}/s  p50 {figures['p50_ms']:7.1f} ms  "
        f"p99 {figures['p99_ms']:7.1f} ms  errors {figures['errors']:.0f}  "
        f"server CPU {figures['cpu_ms']:.2f} ms per request"
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=64)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up before each")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="studyhall-bench-plans-"))
    data_dir = workdir / "data"
    data_dir.mkdir()
    raw = workdir / "wrk.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDYHALL_")}
    env.update(STUDYHALL_ENV="development", STUDYHALL_DATA_DIR=str(data_dir),
               STUDYHALL_LOG_LEVEL="WARNING")  # fmt: skip
    servers: list[Server] = []
    try:
        print("\n".join(machine()))
        print(f"load average before: {os.getloadavg()[0]:.2f}; wrk -t2 -c{args.connections}")
        url = f"sqlite+aiosqlite:///{data_dir / 'studyhall.db'}"
        track_id, tokens = asyncio.run(build_world(url, args.learners))
        studyhall = Server("studyhall", [str(VENV_BIN / "studyhall"), "serve", "--host", HOST],
                           env, workdir)  # fmt: skip
        servers.append(studyhall)
        studyhall.wait_until_answering("/healthz")
        give_goals(studyhall, track_id, tokens)
        plans = f"{studyhall.base}/api/v1/orgs/bench/plan"
        pid = studyhall.process.pid
        results = {}
        results["generate"] = measure(
            "generate", f"{plans}/generate", pid,
            rotating_script(workdir, "generate", tokens, ""), args, raw)  # fmt: skip
        results["replan"] = measure(
            "re-plan", f"{plans}/replan", pid,
            rotating_script(workdir, "replan", tokens, "{}"), args, raw)  # fmt: skip
        studyhall.stop()
        port = free_port()
        bare = start_server(
            [sys.executable, str(BENCH / "bare_insert_app.py"), str(port),
             str(workdir / "bare.db")], env, port)  # fmt: skip
        put = workdir / "bare.lua"
        put.write_text(
            'wrk.method = "PUT"\nwrk.body = \'{"answer": {"choice": "a"}, "time_spent_ms": 1}\'\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            + (BENCH / "bench_auth.py").read_text().split('LUA_DONE = """', 1)[1].split('"""')[0]
            .replace("\\\\n", "\\n"))  # fmt: skip
        try:
            results["bare"] = measure(
                "bare put", f"http://{HOST}:{port}/bare/1/1", bare.pid, put, args, raw)  # fmt: skip
        finally:
            stop(bare)
        print()
        for kind in ("generate", "replan"):
            r = results[kind]
            print(
                f"{kind}: {r['per_second']:.1f} stored plans/s = "
                f"{r['per_second'] / EDITALIZA_PLANS_PER_SECOND:.0f}x Editaliza's 6.3/s "
                f"(target 25x, aim 100x); p99 {r['p99_ms']:.0f} ms (target < 250 ms); "
                f"{r['per_second'] / results['bare']['per_second']:.3f} of the bare insert's rate"
            )
    finally:
        for server in servers:
            server.stop()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
