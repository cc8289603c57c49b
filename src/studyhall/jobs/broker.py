"""The Redis job broker for scale-out (STUDYHALL_REDIS_URL): workers block on Redis for job
ids instead of polling the jobs table.

The jobs table stays the truth. A job row is written in the request's transaction (so a
rollback queues nothing), and only after commit is its id handed to Redis (wakeup.py). A
worker pops ids, then claims those rows in the database with the same lease and state check
as without Redis: an id popped twice, or for a job already done, claims nothing. So Redis
carries only "this job may be runnable now", and anything it loses is found again:

- ``<prefix>:jobs:ready`` — a sorted set of job ids runnable now, scored so that higher
  priorities and then older jobs pop first (``-priority * 2**40 + id``). A set, not a list or
  a stream: handing the same job over twice leaves one entry. The member ``dispatch`` says
  committed events wait for the dispatcher.
- ``<prefix>:jobs:delayed`` — jobs runnable later (retries with backoff, delays), scored by
  their run-at time; workers move the due ones to ``ready`` (one Lua script, atomic).
- ``<prefix>:jobs:sweep`` — a short lock: every STUDYHALL_JOB_SWEEP_SECONDS one worker reads
  the table for runnable jobs, jobs whose lease ran out (their worker died, even by SIGKILL)
  and pending events, and hands them over again. That covers a crash between commit and
  hand-over, an id popped by a worker that died before claiming it, and Redis restarted empty.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from redis.asyncio import Redis

from studyhall.config import Settings
from studyhall.jobs import wakeup
from studyhall.jobs.wakeup import Ready
from studyhall.kit.db import Database

log = structlog.get_logger(__name__)

DISPATCH = "dispatch"
DISPATCH_SCORE = -(2**52)  # before every job
PRIORITY_BOUND = 4000  # |priority| beyond this shares the extreme band (scores stay exact)
SWEEP_BATCH = 1000

# Move due members of the delayed set (KEYS[1], "id:score" scored by run-at) into the ready set
# (KEYS[2]); ARGV[1] is now (Unix seconds), ARGV[2] the most to move. Scores travel as the
# strings Python wrote, so Lua's number formatting never rounds them.
_PROMOTE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, member in ipairs(due) do
  local sep = string.find(member, ':', 1, true)
  redis.call('ZADD', KEYS[2], 'NX', string.sub(member, sep + 1), string.sub(member, 1, sep - 1))
  redis.call('ZREM', KEYS[1], member)
end
return #due
"""


def ready_score(job_id: int, priority: int) -> int:
    bounded = max(-PRIORITY_BOUND, min(PRIORITY_BOUND, priority))
    return -bounded * 2**40 + job_id


@dataclass
class Taken:
    job_ids: list[int] = field(default_factory=list)
    dispatch: bool = False


class Broker:
    def __init__(self, url: str, prefix: str) -> None:
        # A bounded connect, so that with Redis away a commit's hand-over gives up (the sweep
        # hands the job over later) instead of hanging; reads are not bounded, since workers
        # block on purpose.
        self.redis: Redis = Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=5.0, socket_keepalive=True
        )
        self.ready_key = f"{prefix}:jobs:ready"
        self.delayed_key = f"{prefix}:jobs:delayed"
        self.sweep_key = f"{prefix}:jobs:sweep"
        self._promote = self.redis.register_script(_PROMOTE)

    async def close(self) -> None:
        await self.redis.aclose()

    async def hand_over(self, jobs: Iterable[Ready], *, dispatch: bool = False) -> None:
        """Make `jobs` (committed rows) and, with `dispatch`, pending events known to workers."""
        ready: dict[str, float] = {}
        delayed: dict[str, float] = {}
        for job in jobs:
            score = ready_score(job.id, job.priority)
            if job.due:
                ready[str(job.id)] = score
            else:
                delayed[f"{job.id}:{score}"] = job.run_at.timestamp()
        if dispatch:
            ready[DISPATCH] = DISPATCH_SCORE
        if not ready and not delayed:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            if ready:
                pipe.zadd(self.ready_key, ready, nx=True)
            if delayed:  # a later retry moves the run-at time: no NX
                pipe.zadd(self.delayed_key, delayed)
            await pipe.execute()

    async def promote(self, now: datetime, *, limit: int = 500) -> int:
        """Move delayed jobs whose time has come (by the worker's clock) to the ready set."""
        moved = await self._promote(
            keys=[self.delayed_key, self.ready_key], args=[repr(now.timestamp()), limit]
        )
        return int(moved)

    async def seconds_to_next(self, now: datetime) -> float | None:
        first = await self.redis.zrange(self.delayed_key, 0, 0, withscores=True)
        return max(0.0, float(first[0][1]) - now.timestamp()) if first else None

    async def take(self, limit: int, *, now: datetime, block: float = 0.0) -> Taken:
        """Pop up to `limit` ids (highest priority first); with `block`, wait up to that many
        seconds (less when a delayed job comes due sooner) for the first one."""
        await self.promote(now)
        popped: list[Any] = list(await self.redis.zpopmin(self.ready_key, limit))
        if not popped and block > 0:
            soonest = await self.seconds_to_next(now)
            wait = block if soonest is None else max(0.01, min(block, soonest))
            first = await self.redis.bzpopmin(self.ready_key, timeout=wait)
            if first is not None:
                popped = [(first[1], first[2])]
                if limit > 1:
                    popped += await self.redis.zpopmin(self.ready_key, limit - 1)
        taken = Taken()
        for member, _score in popped:
            if member == DISPATCH:
                taken.dispatch = True
            else:
                taken.job_ids.append(int(member))
        return taken

    async def sweep_due(self, seconds: float) -> bool:
        """Whether this worker sweeps now (at most one worker per `seconds`)."""
        lease = int(seconds * 1000)
        took = await self.redis.set(self.sweep_key, str(time.time()), nx=True, px=lease)
        return bool(took)

    async def sweep(self, db: Database, now: datetime) -> int:
        """Hand over again what the table says may run: returns how many jobs."""
        from studyhall.jobs import queue  # queue -> wakeup -> (lazily) this module

        jobs, events = await queue.handover_candidates(db, now, limit=SWEEP_BATCH)
        await self.hand_over(jobs, dispatch=events)
        return len(jobs)


_attached: weakref.WeakKeyDictionary[Any, tuple[Broker, list[int]]] = weakref.WeakKeyDictionary()


def attached_to(bind: Any) -> Broker | None:
    """The broker that jobs written through `bind` (an engine) are handed to, if any."""
    found = _attached.get(bind)
    return found[0] if found else None


@asynccontextmanager
async def attach(db: Database, settings: Settings) -> AsyncIterator[Broker | None]:
    """With STUDYHALL_REDIS_URL, hand jobs committed through `db` to Redis while the block
    runs (once per database however many callers: the server and its embedded worker)."""
    if not settings.redis_url:
        yield None
        return
    engine = db.engine.sync_engine
    found = _attached.get(engine)
    if found is None:
        found = (Broker(settings.redis_url, settings.redis_prefix), [0])
        _attached[engine] = found
    broker, users = found
    users[0] += 1
    try:
        yield broker
    finally:
        users[0] -= 1
        if users[0] == 0:
            await wakeup.handed_over()  # commits already made reach Redis first
            _attached.pop(engine, None)
            await broker.close()
