"""Exam traffic: concurrent learners each taking a full simulation, beside a bare insert.

Run (from the repository root, after `make install`):

    .venv/bin/python bench/bench_exam.py                      # 200 learners x 60 questions
    .venv/bin/python bench/bench_exam.py --learners 50 --questions 20   # a quick look

What it does, all on this machine (loopback only, bounded in time):
1. Builds a fresh SQLite data directory through the real migrations, with an organisation, a
   60-question track and enough published questions (through the real services).
2. Starts `studyhall serve` (one process) and drives it twice with `studyhall.simulator`
   (the code behind `studyhall simulate --together`): every learner signs up, joins, signs
   in and starts a simulation; when all have started, all answer every question and submit.
   - flat out: no thinking between answers. ~200 requests are always in flight, so this
     measures throughput; latency here is the length of the queue, for any server.
   - paced: an exponentially distributed pause (mean --think, 2 s) before each answer — far
     busier than real learners, who take a minute a question. This measures the latency a
     learner feels when 200 people answer at once.
3. Starts a bare Starlette app (bench/bare_insert_app.py) whose endpoint does one SQLite
   INSERT per request, and drives it with the same client the same two ways: as many
   learners, as many PUTs, the same pauses.
4. Prints answer saves per second (counted from the first save to the last) and p50/p99 for
   both in both runs, the throughput ratio, and each server's CPU time per save (read from
   /proc while everyone answers: the figure that other load on the machine disturbs least).

Sign-up is not what is measured: the server's argon2 cost is lowered for the run (the login
benchmark, bench/bench_auth.py, measures it at full cost). The client runs on the same two
cores as the server, so both figures include its cost; the ratio is the comparable number.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from studyhall.accounts import service as accounts
from studyhall.accounts.passwords import configure_hasher
from studyhall.bank import service as bank
from studyhall.bank import workflow
from studyhall.bank.content import QuestionContent
from studyhall.exams import tracks
from studyhall.exams.schemas import TrackIn
from studyhall.kit.clock import SystemClock
from studyhall.kit.context import Context
from studyhall.kit.db import Database
from studyhall.ops import migrations
from studyhall.orgs import service as orgs
from studyhall.orgs.roles import Role
from studyhall.simulator import Simulation

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password-violet-42"
FAST_ARGON2 = {
    "STUDYHALL_ARGON2_TIME_COST": "1",
    "STUDYHALL_ARGON2_MEMORY_KIB": "1024",
    "STUDYHALL_ARGON2_PARALLELISM": "1",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def build_bank(url: str, questions: int) -> tuple[str, str]:
    """Organisation, track and published questions; returns (track id, admin token)."""
    configure_hasher(time_cost=1, memory_cost_kib=1024, parallelism=1)
    db = Database(url)
    async with db.unit_of_work() as session:
        ctx = Context(session=session, clock=SystemClock(), request_id="bench",
                      secret_key="bench")  # fmt: skip
        people = {}
        for role in (Role.OWNER, Role.AUTHOR, Role.REVIEWER):
            people[role] = await accounts.register(
                ctx, email=f"{role.value}@bench.example.org", password=PASSWORD,
                display_name=role.value)  # fmt: skip
        owner = people[Role.OWNER]
        org = await orgs.create_org(
            ctx.acting_as(user_id=owner.id), owner=owner, slug="bench", name="Bench"
        )
        for role in (Role.AUTHOR, Role.REVIEWER):
            await orgs.add_member(ctx, org, people[role], role)
        topics = [{"name": f"Topic {i}", "weight": w} for i, w in enumerate((30, 25, 25, 20))]
        syllabus = await tracks.create_track(ctx.acting_as(user_id=people[Role.AUTHOR].id), org,
                                             TrackIn.model_validate({
            "slug": "bench", "name": "Bench track", "exam_length": questions,
            "time_limit_minutes": 90, "passing_score": 70, "topics": topics}))  # fmt: skip
        author = ctx.acting_as(user_id=people[Role.AUTHOR].id)
        reviewer = ctx.acting_as(user_id=people[Role.REVIEWER].id)
        leaves = syllabus.leaves()
        for n in range(int(questions * 1.5)):
            content = QuestionContent.model_validate({
                "stem": f"Benchmark question {n}: which option is right?",
                "body": {"type": "single_choice", "options": [
                    {"id": i, "text": f"Option {i}", "correct": i == "a"} for i in "abcd"]},
                "explanation": "Option a is right.", "topic_id": str(leaves[n % len(leaves)].id),
                "difficulty": 1 + n % 5})  # fmt: skip
            view = await bank.create_question(author, org, syllabus.track.id, content)
            await workflow.submit(author, org, view.question.id, if_match=None)
            await workflow.approve(reviewer, org, view.question.id, if_match=None)
        policy = accounts.ThrottlePolicy(
            window=timedelta(minutes=1), max_per_account=100, max_per_address=100
        )
        found = await accounts.check_credentials(
            ctx, email=owner.email, password=PASSWORD, policy=policy
        )
        signed_in = await accounts.record_login(
            ctx, found, policy=policy, session_ttl=timedelta(hours=2)
        )
        track_id = str(syllabus.track.id)
    await db.dispose()
    return track_id, signed_in.token


def start_server(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the server)
    process = subprocess.Popen(args, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    log.seek(0)
    raise SystemExit(f"server on port {port} did not start:\n{log.read().decode()[-2000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(pct / 100 * len(ordered)))] if ordered else 0.0


async def drive_bare(url: str, learners: int, questions: int, think: float) -> dict[str, float]:
    """The same requests as the learners' saves, with the same thinking between them."""
    latencies: list[float] = []
    window = [float("inf"), 0.0]

    async def learner(number: int, rng: random.Random) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            for position in range(1, questions + 1):
                if think:
                    await asyncio.sleep(rng.expovariate(1 / think))
                began = time.perf_counter()
                body = {"answer": {"choice": "a"}, "time_spent_ms": 1000}
                try:
                    response = await client.put(f"/bare/{number}/{position}", json=body)
                except (httpx.ReadError, httpx.RemoteProtocolError):  # as the simulator does
                    response = await client.put(f"/bare/{number}/{position}", json=body)
                response.raise_for_status()
                ended = time.perf_counter()
                latencies.append(ended - began)
                window[0], window[1] = min(window[0], began), max(window[1], ended)

    rng = random.Random(7)
    await asyncio.gather(*(learner(n, random.Random(rng.random())) for n in range(learners)))
    return {
        "count": len(latencies),
        "per_second": len(latencies) / (window[1] - window[0]),
        "p50_ms": 1000 * percentile(latencies, 50),
        "p99_ms": 1000 * percentile(latencies, 99),
    }


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())  # fmt: skip
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


async def main(learners: int, questions: int, think: float) -> None:
    with tempfile.TemporaryDirectory(prefix="studyhall-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/studyhall.db"
        await asyncio.to_thread(migrations.upgrade, url)
        track_id, token = await build_bank(url, questions)
        port = free_port()
        env = {**os.environ, **FAST_ARGON2, "STUDYHALL_DATA_DIR": tmp, "STUDYHALL_LOG_LEVEL":
               "WARNING", "STUDYHALL_LOGIN_MAX_FAILURES_PER_ADDRESS": "100000"}  # fmt: skip
        server = start_server([str(ROOT / ".venv/bin/studyhall"), "serve", "--port", str(port),
                               "--no-migrate"], env, port)  # fmt: skip
        reports, cpu_ms = {}, {}
        try:
            for label, seconds in (("flat out", 0.0), (f"think {think:g} s", think)):
                marks: dict[str, float] = {}

                def mark(phase: str, marks: dict[str, float] = marks) -> None:
                    marks[phase] = cpu_seconds(server.pid)

                simulation = Simulation(url=f"http://127.0.0.1:{port}", org="bench",
                                        track_id=track_id, admin_token=token, learners=learners,
                                        think_seconds=seconds, together=True, seed=7,
                                        on_phase=mark)  # fmt: skip
                reports[label] = await simulation.run()
                saves = len(reports[label].latencies["save"])
                cpu_ms[label] = 1000 * (marks["answered"] - marks["answering"]) / saves
        finally:
            stop(server)
        bare_port = free_port()
        bare = start_server([sys.executable, str(ROOT / "bench/bare_insert_app.py"),
                             str(bare_port), f"{tmp}/bare.db"], env, bare_port)  # fmt: skip
        try:
            baselines, bare_cpu_ms = {}, {}
            for label, seconds in (("flat out", 0.0), (f"think {think:g} s", think)):
                before = cpu_seconds(bare.pid)
                baselines[label] = await drive_bare(f"http://127.0.0.1:{bare_port}", learners,
                                                    questions, seconds)  # fmt: skip
                bare_cpu_ms[label] = (
                    1000 * (cpu_seconds(bare.pid) - before) / baselines[label]["count"]
                )
        finally:
            stop(bare)
    print(f"{'answer saves':<34} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7} "
          f"{'server CPU ms/save':>19}")  # fmt: skip
    for label, report in reports.items():
        print(f"-- {label}: {report.attempts} of {learners} attempts submitted")
        for why in report.failures[:5]:  # a learner who gave up, and why
            print(f"   gave up: {why}")
        saves: dict[str, Any] = next(r for r in report.summary() if r["request"] == "save")
        base = baselines[label]
        print(f"{'  Studyhall':<34} {saves['per_second']:>8} {saves['p50_ms']:>8} "
              f"{saves['p99_ms']:>8} {saves['errors']:>7} {cpu_ms[label]:>19.2f}")  # fmt: skip
        print(f"{'  bare Starlette + SQLite insert':<34} {base['per_second']:>8.1f} "
              f"{base['p50_ms']:>8.1f} {base['p99_ms']:>8.1f} {0:>7} "
              f"{bare_cpu_ms[label]:>19.2f}")  # fmt: skip
        print(
            f"  ratio (Studyhall / bare throughput): {saves['per_second'] / base['per_second']:.2f}"
        )
    print()
    for label, report in reports.items():
        print(f"Studyhall, {label}:")
        print(report.text())
    print(f"{learners} learners x {questions} questions; machine: {machine()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--think", type=float, default=2.0,
                        help="mean seconds before each answer in the paced run")  # fmt: skip
    options = parser.parse_args()
    random.seed(7)
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        pass
    asyncio.run(main(options.learners, options.questions, options.think))
