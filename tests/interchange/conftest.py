"""An organisation `acme` with an owner and an author, a track, and a job worker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from studyhall.jobs.worker import Worker


@pytest.fixture
async def worker(app: FastAPI) -> AsyncIterator[Worker]:
    made = Worker(app.state.job_runtime, concurrency=1, run_schedules=False)
    yield made
    await made.stop(grace=0)
