"""A worker killed with SIGKILL in the middle of a job: the job runs again to completion on
the next worker, nothing is lost, and its effect is applied once. Real processes
(`studyhall worker`) on a real SQLite file or PostgreSQL database, taking jobs through huey's
queue on the same engine or on a real redis-server (the scale-out)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from studyhall.config import Settings
from studyhall.jobs import carrier, queue
from studyhall.jobs.models import Job
from studyhall.kit.clock import SystemClock
from studyhall.kit.context import Context
from studyhall.kit.db import Database
from studyhall.ops import migrations
from tests.conftest import POSTGRES_URL, fresh_database_url
from tests.jobs.tasks import effects

ROOT = Path(__file__).resolve().parents[2]
STUDYHALL = Path(sys.executable).parent / "studyhall"
NO_SCHEDULES = {
    n: "off" for n in ("settle-expired-attempts", "prune", "backup", "refresh-statistics")
}


def _env(data_dir: Path, url: str, extra: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        **extra,
        "STUDYHALL_DATABASE_URL": url,
        "STUDYHALL_DATA_DIR": str(data_dir),
        "STUDYHALL_JOB_MODULES": json.dumps(["tests.jobs.tasks"]),
        "STUDYHALL_JOB_LEASE_GRACE_SECONDS": "0.5",
        "STUDYHALL_WORKER_POLL_SECONDS": "0.1",
        "STUDYHALL_JOB_SCHEDULES": json.dumps(NO_SCHEDULES),
        "PYTHONPATH": str(ROOT),
    }


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def _start(data_dir: Path, url: str, log: Path, extra: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 (our own command)
            [str(STUDYHALL), "worker", "--concurrency", "2"],
            env=_env(data_dir, url, extra),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )


async def _wait_for(check: object, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize(
    ("engine", "jobs_from"),
    [("sqlite", "huey-sqlite"), ("postgresql", "huey-postgresql"), ("postgresql", "redis")],
)
async def test_a_sigkilled_workers_job_runs_again_to_completion_once_in_effect(
    tmp_path: Path,
    workers: list[subprocess.Popen[bytes]],
    engine: str,
    jobs_from: str,
    request: pytest.FixtureRequest,
) -> None:
    if engine == "postgresql" and not POSTGRES_URL:
        pytest.skip("no STUDYHALL_TEST_POSTGRES_URL (scripts/with-postgres.sh starts one)")
    url = await fresh_database_url(engine, tmp_path)
    extra = {"STUDYHALL_JOB_SWEEP_SECONDS": "0.5"}
    if jobs_from == "redis":
        extra |= {
            "STUDYHALL_REDIS_URL": request.getfixturevalue("redis_url"),
            "STUDYHALL_REDIS_PREFIX": f"test_{uuid.uuid4().hex[:12]}",
        }
    await asyncio.to_thread(migrations.upgrade, url)
    db = Database(url)
    started, release = tmp_path / "started", tmp_path / "release"
    payload = {"key": "crash", "started": str(started), "wait_for": str(release)}
    settings = Settings(database_url=url, **_settings_from(extra))
    try:
        # Enqueued as a request would: handed to huey when the transaction commits.
        async with carrier.attach(db, settings), db.unit_of_work() as session:
            ctx = Context(session=session, clock=SystemClock(), request_id="test")
            job = queue.enqueue(ctx, "test.hold", payload)
            others = [queue.enqueue(ctx, "test.record", {"key": f"other-{n}"}) for n in range(3)]
        log = tmp_path / "workers.log"

        async def state() -> tuple[Job, int]:
            async with db.unit_of_work(write=False) as session:
                found = await session.get(Job, job.id)
                assert found is not None
                ctx = Context(session=session, clock=SystemClock(), request_id="test")
                return found, await effects(ctx, "crash")

        # Two workers, as in a scale-out; whichever takes the job is killed, and the other
        # must take it over once the lease runs out.
        workers.extend([_start(tmp_path, url, log, extra), _start(tmp_path, url, log, extra)])

        async def is_started() -> bool:
            return started.exists()

        await _wait_for(is_started, "a worker to start the job")
        await _wait_for(lambda: _effect_applied(state), "the effect to be written")
        holder = (await state())[0].locked_by
        assert holder is not None
        victim = next(w for w in workers if w.pid == int(holder.rsplit(":", 2)[1]))
        survivor = next(w for w in workers if w is not victim)
        os.kill(victim.pid, signal.SIGKILL)  # mid-job: the effect is written, the job not done
        assert victim.wait(timeout=10) == -signal.SIGKILL
        killed, applied = await state()
        assert (killed.state, killed.attempts, applied) == ("running", 1, 1)

        release.touch()

        async def states() -> list[str]:
            async with db.unit_of_work(write=False) as session:
                found = [await session.get(Job, j.id) for j in (job, *others)]
            return [j.state for j in found if j is not None]

        async def all_done() -> bool:
            return await states() == ["done"] * 4  # nothing lost

        await _wait_for(all_done, "the other worker to finish every job", seconds=60)
        done, applied = await state()
        assert (done.attempts, applied) == (2, 1)  # ran twice, applied once

        assert done.locked_by is None
        survivor.send_signal(signal.SIGTERM)  # and it stops gracefully
        assert survivor.wait(timeout=30) == 0, log.read_text()[-3000:]
    finally:
        await db.dispose()


def _settings_from(extra: dict[str, str]) -> dict[str, str]:
    return {k.removeprefix("STUDYHALL_").lower(): v for k, v in extra.items()}


async def _effect_applied(state: object) -> bool:
    return bool((await state())[1] == 1)  # type: ignore[operator]
