"""The weekly optimiser: a learner with enough review logs gets their own FSRS parameters,
which later gradings use; one with too few stays on the defaults (both engines).

The logs are simulated with the FSRS model itself (a fixed seed): a learner whose memory
follows parameters unlike the defaults, reviewed when the default scheduler says so."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import fsrs
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from studyhall.jobs import queue
from studyhall.jobs.registry import Runtime
from studyhall.jobs.schedules import DEFAULTS
from studyhall.jobs.worker import Worker
from studyhall.kit.clock import FrozenClock
from studyhall.kit.context import Context
from studyhall.reviews import memory, rules, service
from studyhall.reviews.models import ReviewCard, ReviewLog, ReviewSettings
from studyhall.reviews.rules import Rating
from tests.exams.test_attempts import Exam

Unit = Callable[[Callable[[Context], Awaitable[Any]]], Awaitable[Any]]
# The simulated learner forgets faster at first and consolidates more slowly than FSRS's
# defaults assume.
TRUE_PARAMETERS = list(memory.DEFAULT_PARAMETERS)
TRUE_PARAMETERS[:4] = [0.1, 0.4, 0.9, 3.0]
TRUE_PARAMETERS[8] = 1.2


@pytest.fixture
async def worker(app: FastAPI) -> AsyncIterator[Worker]:
    runtime: Runtime = app.state.job_runtime
    made = Worker(runtime, concurrency=2, run_schedules=False)
    yield made
    await made.stop(grace=0)


def simulate(
    cards: int, reviews: int, end: datetime, seed: int
) -> list[list[tuple[datetime, Rating]]]:
    """Each card's history: ratings drawn from the true model's recall probability at the
    time the default scheduler set, ending before `end`."""
    rng = random.Random(seed)
    truth = memory.scheduler(TRUE_PARAMETERS)
    histories = []
    for _ in range(cards):
        at = end - timedelta(days=400 - rng.randint(0, 30))
        seen, model = memory.new_memory(at), memory.new_memory(at)
        history: list[tuple[datetime, Rating]] = []
        for _ in range(reviews):
            if seen.last_review is None:
                rating = rng.choice([Rating.AGAIN, Rating.GOOD, Rating.GOOD, Rating.EASY])
            else:
                recall = truth.get_card_retrievability(_card(seen), at)
                recalled = rng.random() < recall
                rating = (
                    rng.choice([Rating.HARD, Rating.GOOD, Rating.GOOD, Rating.GOOD, Rating.EASY])
                    if recalled
                    else Rating.AGAIN
                )
            seen = memory.grade(seen, rating, at, parameters=TRUE_PARAMETERS)
            model = memory.grade(model, rating, at)
            history.append((at, rating))
            at = model.due + timedelta(hours=rng.randint(0, 30))
            if at >= end:
                break
        histories.append(history)
    return histories


def _card(state: memory.Memory) -> fsrs.Card:
    return fsrs.Card(
        card_id=0, state=fsrs.State(state.state), step=state.step, stability=state.stability,
        difficulty=state.difficulty, due=state.due, last_review=state.last_review,
    )  # fmt: skip


async def store(
    ctx: Context, org_id: UUID, user_id: UUID, track_id: UUID, topic_id: UUID,
    histories: list[list[tuple[datetime, Rating]]],
) -> int:  # fmt: skip
    """Cards and logs as the app writes them (a topic card each: subjects need no question)."""
    logs = 0
    for n, history in enumerate(histories):
        card = ReviewCard(
            org_id=org_id, user_id=user_id, track_id=track_id, kind="topic",
            subject_id=UUID(int=n + 1), topic_id=topic_id, reason="studied", state=2,
            due=history[-1][0], reviews=len(history), created_at=history[0][0],
        )  # fmt: skip
        ctx.session.add(card)
        await ctx.session.flush()
        for at, rating in history:
            ctx.session.add(ReviewLog(
                org_id=org_id, card_id=card.id, user_id=user_id, rating=int(rating),
                reviewed_at=at, source="self", due_after=at,
            ))  # fmt: skip
            logs += 1
    return logs


async def test_the_optimiser_fits_parameters_for_learners_with_enough_reviews(
    client: httpx.AsyncClient, exam: Exam, unit: Unit, worker: Worker, clock: FrozenClock
) -> None:
    assert DEFAULTS["optimise-review-parameters"].kind == "reviews.optimise"
    org_id = UUID((await client.get("/api/v1/orgs/acme", headers=exam.learner.auth)).json()["id"])
    track_id, topic_id = UUID(str(exam.track["id"])), UUID(exam.leaves[0])
    many, few = UUID(exam.learner.id), UUID(exam.author.id)
    now = clock.now()
    logged = await unit(lambda ctx: store(
        ctx, org_id, many, track_id, topic_id, simulate(80, 12, now, seed=14)))  # fmt: skip
    assert logged >= rules.OPTIMISE_MIN_LOGS
    short = await unit(lambda ctx: store(
        ctx, org_id, few, track_id, topic_id, simulate(20, 5, now, seed=15)))  # fmt: skip
    assert short < rules.OPTIMISE_MIN_LOGS

    async def tick(ctx: Context) -> None:
        queue.enqueue(ctx, "reviews.optimise", {})

    await unit(tick)
    await worker.run_until_idle()

    async def settings(ctx: Context) -> dict[UUID, ReviewSettings]:
        rows = await ctx.session.scalars(select(ReviewSettings))
        return {row.user_id: row for row in rows.all()}

    stored = await unit(settings)
    assert few not in stored  # too few reviews: the defaults
    fitted = stored[many]
    assert fitted.optimised_logs == logged
    assert fitted.optimised_at == now
    assert fitted.parameters is not None
    assert len(fitted.parameters) == len(memory.DEFAULT_PARAMETERS)
    moved = [abs(a - b) for a, b in zip(fitted.parameters, memory.DEFAULT_PARAMETERS, strict=True)]
    assert max(moved) > 0.05, moved
    shown = await client.get("/api/v1/orgs/acme/review-settings", headers=exam.learner.auth)
    assert shown.json()["personalised"] is True
    assert shown.json()["optimised_logs"] == logged

    # Later gradings use them: a topic studied now starts at the fitted "good" stability.
    await unit(lambda ctx: service.add_topic_card(ctx, org_id, many, UUID(exam.leaves[1])))
    await unit(lambda ctx: service.add_topic_card(ctx, org_id, few, UUID(exam.leaves[1])))

    async def new_cards(ctx: Context) -> dict[UUID, float | None]:
        rows = await ctx.session.scalars(
            select(ReviewCard).where(ReviewCard.subject_id == UUID(exam.leaves[1]))
        )
        return {c.user_id: c.stability for c in rows.all()}

    stabilities = await unit(new_cards)
    assert stabilities[many] == pytest.approx(fitted.parameters[int(Rating.GOOD) - 1])
    assert stabilities[few] == pytest.approx(memory.DEFAULT_PARAMETERS[int(Rating.GOOD) - 1])
