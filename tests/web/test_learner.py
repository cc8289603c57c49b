"""Learner pages through plain HTTP: start, answer through the API as the screen does,
submit, result, review, mistakes, history, dashboard."""

from __future__ import annotations

import re

import httpx

from tests.factories import leaf_topics
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, post_form, token_of


async def test_a_learner_takes_a_simulation_through_the_pages(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    track = school.track["id"]
    start = f"/o/school/tracks/{track}/start"
    started = await post_form(client, start, {"mode": "simulation"})
    assert started.status_code == 303, started.text
    exam_url = started.headers["location"]
    screen = await client.get(exam_url)
    assert screen.status_code == 200
    assert screen.text.count('class="question card"') == 4
    assert 'data-deadline="' in screen.text
    assert "Submit exam" in screen.text
    token = await token_of(client, exam_url)
    api = re.search(r'data-api="([^"]+)"', screen.text)
    assert api
    saved = await client.put(
        f"{api.group(1)}/answers/1", json={"answer": {"choice": "o1"}, "flagged": True},
        headers={"X-CSRF-Token": token},
    )  # fmt: skip
    assert saved.status_code == 200, saved.text
    again = await client.get(exam_url)
    assert 'data-answered="true" data-flagged="true"' in again.text  # resumes as saved
    submitted = await post_form(client, f"{exam_url}/submit", {}, page=exam_url)
    assert submitted.status_code == 303
    result = await client.get(submitted.headers["location"])
    assert result.status_code == 200
    assert 'id="topic-breakdown"' in result.text
    assert "Cluster" in result.text
    review = await client.get(f"{exam_url}/review?only=unanswered")  # 2 to 4 were skipped
    assert review.status_code == 200
    assert "Why" in review.text
    assert (await client.get(exam_url)).headers["location"].endswith("/result")
    history = await client.get("/o/school/attempts")
    assert ">Simulation<" in history.text  # the mode by its name
    mistakes = await client.get("/o/school/mistakes")
    assert mistakes.status_code == 200
    dashboard = await client.get("/o/school")
    assert "Score over time" in dashboard.text
    assert "Accuracy per topic" in dashboard.text


async def test_starting_with_bad_choices_says_what_is_wrong(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    start = f"/o/school/tracks/{school.track['id']}/start"
    page = await post_form(client, start, {"mode": "practice", "count": "0"})
    assert page.status_code == 422
    assert 'id="count-error"' in page.text


async def test_someone_elses_attempt_is_not_found(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    started = await post_form(
        client, f"/o/school/tracks/{school.track['id']}/start", {"mode": "practice", "count": "2"}
    )
    exam_url = started.headers["location"]
    client.cookies.clear()
    await browser_sign_in(client, school.author.email)
    assert (await client.get(exam_url)).status_code == 404


async def test_every_mode_starts_from_the_page_with_topics_ticked(
    client: httpx.AsyncClient, school: School
) -> None:
    """Practice, a drill on one ticked topic, custom on two with a time limit, and retrying
    mistakes after a simulation: each opens an exam screen of the right shape."""
    await browser_sign_in(client, school.learner.email)
    start = f"/o/school/tracks/{school.track['id']}/start"
    form = await client.get(start)
    topics = [str(t["id"]) for t in leaf_topics(school.track)]
    for topic in topics:  # every leaf topic is a checkbox of the one field
        assert f'name="topic_ids" value="{topic}"' in form.text

    async def screen(data: dict[str, object]) -> str:
        started = await post_form(client, start, data)
        assert started.status_code == 303, started.text
        return (await client.get(started.headers["location"])).text

    practice = await screen({"mode": "practice", "count": "2"})
    assert practice.count('class="question card"') == 2
    assert 'data-feedback="instant"' in practice
    drill = await screen({"mode": "drill", "count": "2", "topic_ids": [topics[0]]})
    assert drill.count('class="question card"') == 2
    custom = await screen(
        {"mode": "custom", "count": "3", "topic_ids": topics[:2], "time_limit_minutes": "5"}
    )
    assert custom.count('class="question card"') == 3
    assert re.search(r'id="timer-value">5:00<', custom)

    simulation = await post_form(client, start, {"mode": "simulation"})
    exam_url = simulation.headers["location"]
    await post_form(client, f"{exam_url}/submit", {}, page=exam_url)  # nothing answered
    mistakes = await screen({"mode": "mistakes", "include_unanswered": "on"})  # skipped ones
    assert mistakes.count('class="question card"') >= 1

    refused = await post_form(
        client, start, {"mode": "drill", "count": "0", "topic_ids": topics[:2]}
    )
    assert refused.status_code == 422
    for topic in topics[:2]:  # what was ticked stays ticked
        assert f'value="{topic}" checked' in refused.text


async def test_a_bad_time_limit_is_named_beside_its_field(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    start = f"/o/school/tracks/{school.track['id']}/start"
    page = await post_form(
        client, start, {"mode": "custom", "count": "3", "time_limit_minutes": "0"}
    )
    assert page.status_code == 422
    assert 'aria-describedby="time_limit_minutes-error"' in page.text
    assert re.search(r'id="time_limit_minutes-error">Use 1 or more\.', page.text)
    assert 'name="count" type="number" min="1" max="500" inputmode="numeric" value="3"' in page.text


async def test_a_bad_mode_is_named_beside_the_modes(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    start = f"/o/school/tracks/{school.track['id']}/start"
    page = await post_form(client, start, {"mode": "cram"})
    assert page.status_code == 422
    assert 'id="mode-error"' in page.text


async def test_retrying_mistakes_before_any_says_there_is_nothing_to_retry(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    start = f"/o/school/tracks/{school.track['id']}/start"
    page = await post_form(client, start, {"mode": "mistakes"})
    assert page.status_code == 409
    assert "Nothing to retry" in page.text
    assert "Publish questions" not in page.text


async def test_the_mistakes_page_offers_a_retry_only_where_there_is_something_to_retry(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    retry = f'action="/o/school/tracks/{school.track["id"]}/start"'
    before = await client.get("/o/school/mistakes")
    assert retry not in before.text  # it would only answer "nothing to retry"
    assert "Nothing to retry yet" in before.text

    start = f"/o/school/tracks/{school.track['id']}/start"
    exam_url = (await post_form(client, start, {"mode": "simulation"})).headers["location"]
    await post_form(client, f"{exam_url}/submit", {}, page=exam_url)  # nothing answered
    after = await client.get("/o/school/mistakes")
    assert retry in after.text
    assert "Nothing to retry yet" not in after.text


async def test_a_cut_or_mistyped_address_gets_the_error_page_not_json(
    client: httpx.AsyncClient, school: School
) -> None:
    """A browser following a broken link sees a page with the way back; the API keeps its
    problem JSON."""
    await browser_sign_in(client, school.learner.email)
    html = {"Accept": "text/html,application/xhtml+xml"}
    for address, status in (
        ("/o/school/attempts/not-an-id", 404),  # an id that is not one names nothing
        ("/o/school/attempts/not-an-id/review", 404),
        ("/o/school/no-such-page", 404),  # no page at all
        ("/nowhere", 404),
    ):
        page = await client.get(address, headers=html)
        assert page.status_code == status, address
        assert page.headers["content-type"].startswith("text/html"), address
        assert "There is nothing at this address." in page.text
        assert "Back to the start" in page.text
    attempt = (
        await post_form(
            client, f"/o/school/tracks/{school.track['id']}/start", {"mode": "simulation"}
        )
    ).headers["location"]
    await post_form(client, f"{attempt}/submit", {}, page=attempt)
    bad_query = await client.get(f"{attempt}/review?only=everything", headers=html)
    assert bad_query.status_code == 422
    assert bad_query.headers["content-type"].startswith("text/html")
    assert "only" in bad_query.text
    api = await client.get("/api/v1/no-such-thing", headers=html)
    assert api.headers["content-type"].startswith("application/problem+json")
    assert (
        (await client.get("/o/school/nothing"))
        .headers["content-type"]
        .startswith("application/problem+json")
    )  # no browser: the problem JSON
