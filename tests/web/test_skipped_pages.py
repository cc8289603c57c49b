"""On the pages, a skipped question is not a wrong one: the review names it "unanswered"
and filters it apart, the mistakes page lists it apart, and "retry my mistakes" takes the
skipped ones only when the learner ticks them in."""

from __future__ import annotations

import re

import httpx

from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, post_form
from tests.web.learner_steps import answer, start_attempt, submit

# A simulation of the school's 4 questions: 1 wrong, 2 right, 3 and 4 left unanswered.
PLAN = {1: "wrong", 2: "right"}


def _articles(page: str) -> list[str]:
    return re.findall(r'<article class="card review-item[^"]*"[^>]*>.*?</article>', page, re.S)


async def test_the_review_keeps_unanswered_apart_from_wrong(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    exam_url = await start_attempt(client, school, mode="simulation")
    await answer(client, exam_url, PLAN)
    await submit(client, exam_url)

    everything = await client.get(f"{exam_url}/review")
    badges = re.findall(
        r'id="r(\d)">Question \d <span class="badge[^"]*">([^<]+)<', everything.text
    )
    assert badges == [("1", "wrong"), ("2", "right"), ("3", "unanswered"), ("4", "unanswered")]
    wrong = await client.get(f"{exam_url}/review?only=wrong")
    assert len(_articles(wrong.text)) == 1
    skipped = await client.get(f"{exam_url}/review?only=unanswered")
    assert skipped.status_code == 200
    assert len(_articles(skipped.text)) == 2
    assert 'href="?only=unanswered"' in everything.text


async def test_mistakes_lists_skipped_apart_and_retries_them_only_when_ticked(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    exam_url = await start_attempt(client, school, mode="simulation")
    await answer(client, exam_url, PLAN)
    await submit(client, exam_url)

    page = await client.get("/o/school/mistakes")
    assert page.status_code == 200
    wrong_part, _, skipped_part = page.text.partition("Skipped (not answered)")
    assert len(_articles(wrong_part)) == 1
    assert len(_articles(skipped_part)) == 2
    assert 'name="include_unanswered"' in page.text

    start = f"/o/school/tracks/{school.track['id']}/start"
    assert 'name="include_unanswered"' in (await client.get(start)).text
    only_wrong = await post_form(client, start, {"mode": "mistakes"})
    screen = await client.get(only_wrong.headers["location"])
    assert screen.text.count('class="question card"') == 1
    with_skipped = await post_form(client, start, {"mode": "mistakes", "include_unanswered": "on"})
    screen = await client.get(with_skipped.headers["location"])
    assert screen.text.count('class="question card"') == 3


async def test_with_only_skipped_questions_the_refusal_says_how_to_retry_them(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.learner.email)
    exam_url = await start_attempt(client, school, mode="simulation")
    await submit(client, exam_url)  # nothing answered
    start = f"/o/school/tracks/{school.track['id']}/start"
    refused = await post_form(client, start, {"mode": "mistakes"})
    assert refused.status_code == 409
    alert = re.search(r'role="alert">([^<]+)<', refused.text)
    assert alert, refused.text
    assert "the 4 questions you skipped" in alert.group(1)
    assert "include_unanswered" not in alert.group(1)  # the API's words are not the page's


async def test_a_mistake_in_an_open_practice_set_links_to_no_review_yet(
    client: httpx.AsyncClient, school: School
) -> None:
    """Practice gives feedback at once, so its wrong answers are mistakes before the set is
    submitted; its review opens only after, so the page offers no link that would be refused."""
    await browser_sign_in(client, school.learner.email)
    practice = await start_attempt(client, school, mode="practice", count="4")
    await answer(client, practice, {1: "wrong"})
    page = (await client.get("/o/school/mistakes")).text
    assert len(_articles(page)) == 1
    attempt_id = practice.rsplit("/", 1)[1]
    assert f"/attempts/{attempt_id}/review" not in page
