"""Realistic learner traffic against a running Studyhall, for demos and load tests.

Each simulated learner signs up, joins the organisation through an invitation made with an
admin's token, signs in, starts an attempt, thinks, answers every question (right with a
probability that depends on the learner's skill and the question's difficulty), flags a few,
and submits. Latencies are measured per kind of request. Only talks HTTP: point it at any
server you run (never at someone else's).
"""

from __future__ import annotations

import asyncio
import gc
import math
import random
import secrets
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from studyhall.bank.content import (
    Matching,
    MultipleResponse,
    Numeric,
    Ordering,
    QuestionContent,
    ShortText,
    SingleChoice,
    TrueFalse,
)
from studyhall.exams import scoring

PASSWORD_BYTES = 12
PLAN_BLOCKS_FOLLOWED = 10  # blocks each planning learner works through (or skips)


@dataclass
class Report:
    started: float = field(default_factory=time.perf_counter)
    finished: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    attempts: int = 0
    plans: int = 0  # learners who followed a study plan (mode "plan")
    plans_behind: int = 0  # of them, those behind it at the end (they skipped blocks)
    scores: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # why learners gave up, first words each

    # Per kind, when the first request of that kind began and the last one ended: a rate is
    # counted over its own window, so that signing up does not dilute answers per second.
    windows: dict[str, tuple[float, float]] = field(default_factory=dict)

    def record(self, kind: str, seconds: float, ok: bool, *, ended: float | None = None) -> None:
        self.latencies[kind].append(seconds)
        if not ok:
            self.errors[kind] += 1
        end = ended if ended is not None else time.perf_counter()
        first, last = self.windows.get(kind, (end - seconds, end))
        self.windows[kind] = (min(first, end - seconds), max(last, end))

    def per_second(self, kind: str) -> float:
        first, last = self.windows.get(kind, (0.0, 0.0))
        count = len(self.latencies.get(kind, ()))
        return count / (last - first) if last > first else 0.0

    @property
    def elapsed(self) -> float:
        return (self.finished or time.perf_counter()) - self.started

    def summary(self) -> list[dict[str, Any]]:
        rows = []
        for kind, values in sorted(self.latencies.items()):
            ordered = sorted(values)
            rows.append({
                "request": kind, "count": len(values), "errors": self.errors.get(kind, 0),
                "per_second": round(self.per_second(kind), 1),
                "p50_ms": round(1000 * _percentile(ordered, 50), 1),
                "p95_ms": round(1000 * _percentile(ordered, 95), 1),
                "p99_ms": round(1000 * _percentile(ordered, 99), 1),
            })  # fmt: skip
        return rows

    def text(self) -> str:
        lines = [
            f"{'request':<10} {'count':>7} {'errors':>6} {'per s':>8} "
            f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
        ]
        for row in self.summary():
            lines.append(
                f"{row['request']:<10} {row['count']:>7} {row['errors']:>6} "
                f"{row['per_second']:>8} {row['p50_ms']:>8} {row['p95_ms']:>8} "
                f"{row['p99_ms']:>8}"
            )
        mean = statistics.mean(self.scores) if self.scores else 0
        lines.append(
            f"{self.attempts} attempts submitted in {self.elapsed:.1f} s; mean score {mean:.1f}%"
        )
        if self.plans:
            lines.append(f"{self.plans} learners followed plans; {self.plans_behind} fell behind")
        return "\n".join(lines)


def _percentile(ordered: list[float], pct: float) -> float:
    if not ordered:
        return 0.0
    # Nearest rank: the smallest value with at least pct% of the values at or below it.
    index = min(len(ordered) - 1, max(0, math.ceil(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def answer_for(content: QuestionContent, right: bool, rng: random.Random) -> dict[str, Any]:
    """A valid answer of the question's shape: the key when `right`, else a plausible miss."""
    body = content.body
    key = scoring.correct_answer(body)
    if isinstance(body, SingleChoice):
        wrong = [o.id for o in body.options if not o.correct]
        return key if right else {"choice": rng.choice(wrong)}
    if isinstance(body, MultipleResponse):
        if right:
            return key
        picks = {o.id for o in body.options if rng.random() < 0.5} or {body.options[0].id}
        if picks == set(key["choices"]):
            picks ^= {body.options[-1].id}
        return {"choices": sorted(picks)}
    if isinstance(body, TrueFalse):
        return {"value": body.correct_answer if right else not body.correct_answer}
    if isinstance(body, Numeric):
        value = body.value if body.value is not None else body.min
        assert value is not None
        return {"value": value if right else value + 10 * (body.tolerance + abs(value) + 1)}
    if isinstance(body, ShortText):
        accepted = [a.text for a in body.accepted_answers if a.credit >= 1]  # fully right
        return {"text": accepted[0] if right and accepted else "no idea"}
    if isinstance(body, Ordering):
        order = [i.id for i in body.items]
        if not right:
            order.reverse()
        return {"order": order}
    assert isinstance(body, Matching)
    pairs = dict(body.pairs)
    if not right:
        first, second = list(pairs)[:2]
        pairs[first], pairs[second] = pairs[second], pairs[first]
    return {"pairs": pairs}


def as_shown(
    answer: dict[str, Any], question: dict[str, Any], rendered: dict[str, Any]
) -> dict[str, Any]:
    """The answer in the names the exam screen gave (it never shows the author's ids): each
    of the author's ids is found by its rendered text among what the screen listed."""

    def names(shown: list[dict[str, str]], texts: dict[str, Any]) -> dict[str, str]:
        by_html = {o["html"]: o["id"] for o in shown}
        return {
            real: by_html[t["text"] if isinstance(t, dict) else t]
            for real, t in texts.items()
            if (t["text"] if isinstance(t, dict) else t) in by_html
        }

    options = names(
        question.get("options", []), rendered.get("options") or rendered.get("items") or {}
    )
    premises = names(question.get("premises", []), rendered.get("premises", {}))
    responses = names(question.get("responses", []), rendered.get("responses", {}))
    out = dict(answer)
    if "choice" in out:
        out["choice"] = options.get(out["choice"], out["choice"])
    if "choices" in out:
        out["choices"] = [options.get(c, c) for c in out["choices"]]
    if "order" in out:
        out["order"] = [options.get(i, i) for i in out["order"]]
    if "pairs" in out:
        out["pairs"] = {premises.get(p, p): responses.get(r, r) for p, r in out["pairs"].items()}
    return out


@dataclass
class _Countdown:
    """Learners still to pass a point of the exam; `reached` is set when none are left."""

    left: int
    on_reached: Callable[[], None]
    reached: asyncio.Event = field(default_factory=asyncio.Event)

    def passed(self) -> None:
        self.left -= 1
        if self.left == 0:
            self.reached.set()
            self.on_reached()


@dataclass
class Simulation:
    url: str
    org: str
    track_id: str
    admin_token: str
    learners: int = 10
    mode: str = "simulation"
    think_seconds: float = 2.0
    flag_rate: float = 0.05
    seed: int | None = None
    # Everyone signs up and starts first, then all answer at once: answers per second then
    # measures answering alone (the benchmark uses this; real traffic arrives mixed).
    together: bool = False
    # Told "answering" when every learner has started and "answered" when every learner has
    # saved their last answer (the benchmark reads the server's CPU time at both).
    on_phase: Callable[[str], None] | None = None
    report: Report = field(default_factory=Report)
    _points: dict[str, _Countdown] = field(default_factory=dict)
    _versions: dict[str, asyncio.Task[tuple[QuestionContent, dict[str, Any]]]] = field(
        default_factory=dict
    )

    async def _timed(
        self, client: httpx.AsyncClient, kind: str, method: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        began = time.perf_counter()
        try:
            response = await client.request(method, path, **kwargs)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            if method not in ("GET", "PUT"):
                raise
            # The server closed an idle keep-alive connection just as this request went out;
            # a browser sends an idempotent request again, and so do we.
            response = await client.request(method, path, **kwargs)
        ended = time.perf_counter()
        self.report.record(kind, ended - began, response.status_code < 400, ended=ended)
        return response

    async def _content(
        self, admin: httpx.AsyncClient, question_id: str, version_id: str
    ) -> tuple[QuestionContent, dict[str, Any]]:
        """The version the attempt shows, read once with the admin's token (learners never
        see answer keys; the simulator needs them to answer right on purpose). Learners who
        reach the same version together share one read: the server's work per save should be
        the learners' traffic, not the simulator's own look-ups."""
        if version_id not in self._versions:
            self._versions[version_id] = asyncio.ensure_future(
                self._read_version(admin, question_id, version_id)
            )
        return await asyncio.shield(self._versions[version_id])

    async def _read_version(
        self, admin: httpx.AsyncClient, question_id: str, version_id: str
    ) -> tuple[QuestionContent, dict[str, Any]]:
        base = f"/api/v1/orgs/{self.org}/questions/{question_id}/versions"
        listed = await admin.get(base)
        listed.raise_for_status()
        number = next(v["number"] for v in listed.json() if v["id"] == version_id)
        version = await admin.get(f"{base}/{number}")
        version.raise_for_status()
        body = version.json()
        return QuestionContent.model_validate(body["content"]), body["rendered"]

    async def _join(
        self, client: httpx.AsyncClient, admin: httpx.AsyncClient, number: int
    ) -> dict[str, str]:
        email = f"sim-{secrets.token_hex(4)}-{number}@example.org"
        password = secrets.token_urlsafe(PASSWORD_BYTES)
        await self._timed(
            client,
            "register",
            "POST",
            "/api/v1/auth/register",
            json={
                "email": email,
                "password": password,
                "display_name": f"Simulated learner {number}",
            },
        )
        invite = await admin.post(
            f"/api/v1/orgs/{self.org}/invitations", json={"email": email, "role": "learner"}
        )
        invite.raise_for_status()
        login = await self._timed(
            client,
            "login",
            "POST",
            "/api/v1/auth/login",
            json={"email": email, "password": password},
        )
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        accepted = await client.post(
            "/api/v1/invitations/accept", json={"token": invite.json()["token"]}, headers=headers
        )
        accepted.raise_for_status()
        return headers

    async def _learner(self, number: int, rng: random.Random, admin: httpx.AsyncClient) -> None:
        passed: set[str] = set()

        def reach(point: str) -> None:
            if point not in passed:
                passed.add(point)
                self._points[point].passed()

        try:
            await self._take_exam(number, rng, admin, reach)
        finally:
            for point in self._points:  # a learner who gave up: nobody waits for them
                reach(point)

    async def _take_exam(
        self,
        number: int,
        rng: random.Random,
        admin: httpx.AsyncClient,
        reach: Callable[[str], None],
    ) -> None:
        skill = min(0.97, max(0.2, rng.gauss(0.68, 0.15)))
        async with httpx.AsyncClient(base_url=self.url, timeout=60) as client:
            headers = await self._join(client, admin, number)
            if self.mode == "plan":
                reach("started")
                await self._follow_plan(client, headers, admin, rng, skill)
                reach("answered")
                return
            started = await self._timed(
                client,
                "start",
                "POST",
                f"/api/v1/orgs/{self.org}/tracks/{self.track_id}/attempts",
                json={"mode": self.mode, "count": 20},
                headers=headers,
            )
            reach("started")
            started.raise_for_status()
            attempt = started.json()
            if self.together:
                await self._points["started"].reached.wait()
            await self._answer_all(client, headers, admin, attempt, rng, skill)
            reach("answered")
            await self._submit(client, headers, attempt)

    async def _submit(
        self, client: httpx.AsyncClient, headers: dict[str, str], attempt: dict[str, Any]
    ) -> None:
        base = f"/api/v1/orgs/{self.org}/attempts/{attempt['id']}"
        result = await self._timed(client, "submit", "POST", f"{base}/submit", headers=headers)
        if result.status_code == 200:
            self.report.attempts += 1
            self.report.scores.append(result.json()["percent"])

    async def _answer_all(
        self,
        client: httpx.AsyncClient,
        headers: dict[str, str],
        admin: httpx.AsyncClient,
        attempt: dict[str, Any],
        rng: random.Random,
        skill: float,
    ) -> None:
        """Answer every question of the attempt, thinking first, right with the learner's
        skill less the question's difficulty."""
        base = f"/api/v1/orgs/{self.org}/attempts/{attempt['id']}"
        for question in attempt["questions"]:
            content, rendered = await self._content(
                admin, question["question_id"], question["version_id"]
            )
            think = rng.expovariate(1 / self.think_seconds) if self.think_seconds else 0
            await asyncio.sleep(think)
            chance = skill - 0.08 * (content.difficulty - 3)
            body = {
                "answer": as_shown(
                    answer_for(content, rng.random() < chance, rng), question, rendered
                ),
                "time_spent_ms": int(think * 1000) + rng.randint(500, 4000),
            }
            if rng.random() < self.flag_rate:
                body["flagged"] = True
            await self._timed(
                client,
                "save",
                "PUT",
                f"{base}/answers/{question['position']}",
                json=body,
                headers=headers,
            )

    async def _follow_plan(
        self,
        client: httpx.AsyncClient,
        headers: dict[str, str],
        admin: httpx.AsyncClient,
        rng: random.Random,
        skill: float,
    ) -> None:
        """Set a week and a goal, make the plan, then work through its first blocks: a
        diligent learner does each (a practice block's drill answered in full), a less
        diligent one skips some, and falls behind."""
        base = f"/api/v1/orgs/{self.org}/plan"
        week = {"time_zone": "UTC", "minutes_by_weekday": [rng.choice((60, 90, 120))] * 7}
        exam = (datetime.now(UTC).date() + timedelta(days=rng.randint(20, 90))).isoformat()
        await self._timed(client, "week", "PUT", f"{base}/profile", json=week, headers=headers)
        goal = {"track_id": self.track_id, "exam_date": exam}
        await self._timed(client, "goal", "POST", f"{base}/goals", json=goal, headers=headers)
        made = await self._timed(client, "plan", "POST", f"{base}/generate", headers=headers)
        made.raise_for_status()
        diligence = min(1.0, max(0.0, rng.gauss(0.75, 0.25)))
        for block in made.json()["blocks"][:PLAN_BLOCKS_FOLLOWED]:
            if rng.random() >= diligence:
                change = {"status": "skipped"}
            else:
                if block["kind"] == "practice":
                    started = await self._timed(
                        client, "start", "POST", f"{base}/blocks/{block['id']}/start",
                        headers=headers,
                    )  # fmt: skip
                    attempt_id = started.json().get("attempt_id") if started.is_success else None
                    if attempt_id:
                        state = await client.get(
                            f"/api/v1/orgs/{self.org}/attempts/{attempt_id}", headers=headers
                        )
                        await self._answer_all(client, headers, admin, state.json(), rng, skill)
                        await self._submit(client, headers, state.json())
                change = {"status": "done"}
            await self._timed(
                client, "block", "PATCH", f"{base}/blocks/{block['id']}", json=change,
                headers=headers,
            )  # fmt: skip
        progress = await self._timed(client, "progress", "GET", f"{base}/progress", headers=headers)
        if progress.is_success:
            self.report.plans += 1
            self.report.plans_behind += progress.json()["status"] == "behind"

    async def run(self) -> Report:
        rng = random.Random(self.seed)  # noqa: S311 (simulated behaviour, not secrets)
        limits = httpx.Limits(max_connections=max(10, self.learners))
        async with httpx.AsyncClient(
            base_url=self.url,
            timeout=60,
            limits=limits,
            headers={"Authorization": f"Bearer {self.admin_token}"},
        ) as admin:
            self.report = Report()
            tell = self.on_phase or (lambda _: None)

            def answering() -> None:
                # Every learner now holds its attempt for the rest of the run: freeze it, so
                # that the collector's full passes over it (measured at 300-700 ms with 200
                # learners) do not stop this client mid-request and show as server latency.
                gc.freeze()
                tell("answering")

            self._points = {
                "started": _Countdown(self.learners, answering),
                "answered": _Countdown(self.learners, lambda: tell("answered")),
            }
            tasks = [
                self._learner(n, random.Random(rng.random()), admin)  # noqa: S311
                for n in range(self.learners)
            ]
            try:
                results = await asyncio.gather(*tasks, return_exceptions=True)
            finally:
                gc.unfreeze()
            self.report.finished = time.perf_counter()
        for failure in (r for r in results if isinstance(r, BaseException)):
            self.report.errors[f"learner:{type(failure).__name__}"] += 1
            self.report.failures.append(repr(failure)[:300])
        return self.report
