"""Author pages through plain HTTP: the editor for every type, inline messages, versions and
their diff, the review queue, search with facets, and the track editor."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.factories import leaf_topics
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, post_form

EVERY_TYPE = {
    "single_choice": {"options": "* Right || yes\nWrong || no"},
    "multiple_response": {"options": "* One\n* Two\nThree", "partial": "on"},
    "true_false": {"tf_correct": "false"},
    "numeric": {"num_value": "4.5", "num_tolerance": "0.1", "num_unit": "GB"},
    "short_text": {"accepted": "vacuum\nVACUUM table"},
    "ordering": {"items": "first\nsecond\nthird"},
    "matching": {"pairs": "cat => meow\ndog => woof\n=> moo"},
}


@pytest.mark.parametrize("kind", list(EVERY_TYPE))
async def test_the_editor_writes_every_question_type_and_reads_it_back(
    client: httpx.AsyncClient, school: School, kind: str
) -> None:
    await browser_sign_in(client, school.author.email)
    topic = str(leaf_topics(school.track)[0]["id"])
    new = f"/o/school/tracks/{school.track['id']}/questions/new"
    fields = {"type": kind, "topic_id": topic, "stem": f"A **{kind}** question?",
              "explanation": "Because.", "difficulty": "2", "tags": "Alpha, beta",
              **EVERY_TYPE[kind]}  # fmt: skip
    made = await post_form(client, new, fields)
    assert made.status_code == 303, made.text[:2000]
    question_url = made.headers["location"].split("?")[0]
    page = await client.get(question_url)
    assert f"<strong>{kind}</strong>" in page.text
    assert "draft" in page.text
    edit = await client.get(f"{question_url}/edit")
    for name, value in EVERY_TYPE[kind].items():
        assert value.split("\n")[0].split(" =>")[0] in edit.text, name


async def test_mistakes_are_shown_beside_their_fields(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.author.email)
    topic = str(leaf_topics(school.track)[0]["id"])
    new = f"/o/school/tracks/{school.track['id']}/questions/new"
    page = await post_form(client, new, {
        "type": "single_choice", "topic_id": topic, "stem": "", "explanation": "x",
        "options": "One\nTwo"})  # fmt: skip
    assert page.status_code == 422
    assert 'id="stem-error"' in page.text
    assert 'id="options-error"' in page.text
    assert "exactly one option must be correct" in page.text
    # Fields that share one message spot: the message names which one.
    numeric = await post_form(client, new, {
        "type": "numeric", "topic_id": topic, "stem": "How many?", "explanation": "x",
        "num_value": "4", "num_tolerance": "-1"})  # fmt: skip
    assert numeric.status_code == 422
    assert re.search(r'id="numeric-error"[^>]*>± tolerance: use 0 or more\.', numeric.text)
    # A pair written with another arrow: said so, with its line, and the text kept to correct.
    arrow = await post_form(client, new, {
        "type": "matching", "topic_id": topic, "stem": "Match", "explanation": "x",
        "pairs": "cat => meow\ndog -> woof"})  # fmt: skip
    assert arrow.status_code == 422
    assert "Write each pair as premise =&gt; response (line 2)." in arrow.text
    assert "dog -&gt; woof" in arrow.text


async def test_edit_versions_diff_and_review(client: httpx.AsyncClient, school: School) -> None:
    await browser_sign_in(client, school.author.email)
    topic = str(leaf_topics(school.track)[0]["id"])
    made = await post_form(client, f"/o/school/tracks/{school.track['id']}/questions/new", {
        "type": "true_false", "topic_id": topic, "stem": "Water is wet.", "explanation": "It is.",
        "tf_correct": "true"})  # fmt: skip
    url = made.headers["location"].split("?")[0]
    edit_page = await client.get(f"{url}/edit")
    revision = re.search(r'name="revision" value="(\d+)"', edit_page.text)
    assert revision
    edited = await post_form(client, f"{url}/edit", {
        "type": "true_false", "topic_id": topic, "stem": "Water is very wet.",
        "explanation": "It is.", "tf_correct": "true", "revision": revision.group(1)},
        page=f"{url}/edit")  # fmt: skip
    assert edited.status_code == 303
    versions = await client.get(f"{url}/versions")
    assert "Water is <ins>very </ins>wet." in versions.text
    submitted = await post_form(client, f"{url}/submit", {}, page=url)
    assert submitted.status_code == 303
    client.cookies.clear()
    await browser_sign_in(client, school.reviewer.email)
    queue = await client.get("/o/school/review")
    assert "Water is very wet." in queue.text
    approved = await post_form(client, f"{url}/approve", {"back": "/o/school/review"}, page=url)
    assert approved.headers["location"] == "/o/school/review"
    assert "published" in (await client.get(url)).text


async def test_search_with_facets(client: httpx.AsyncClient, school: School) -> None:
    await browser_sign_in(client, school.reviewer.email)
    page = await client.get("/o/school/questions?q=Question&type=single_choice")
    assert page.status_code == 200
    assert "6 questions" in page.text
    assert 'name="type" value="single_choice" checked' in page.text
    none = await client.get("/o/school/questions?status=retired")
    assert "No questions match." in none.text


async def test_the_track_editor_keeps_topics_and_checks_weights(
    client: httpx.AsyncClient, school: School
) -> None:
    await browser_sign_in(client, school.owner.email)
    edit = f"/o/school/tracks/{school.track['id']}/edit"
    page = await client.get(edit)
    topics = re.search(r'<textarea id="topics" name="topics"[^>]*>([^<]*)</textarea>', page.text)
    assert topics
    assert "  Cluster | 50" in topics.group(1)
    revision = re.search(r'name="revision" value="(\d+)"', page.text)
    assert revision
    fields = {"name": "Renamed", "slug": "spark", "exam_length": "4", "time_limit_minutes": "20",
              "passing_score": "70", "navigation": "free", "scoring": "percent",
              "revision": revision.group(1)}  # fmt: skip
    wrong = await post_form(client, edit, {**fields, "topics": topics.group(1).replace("60", "61")})
    assert wrong.status_code == 422
    assert "not 100" in wrong.text
    saved = await post_form(client, edit, {**fields, "topics": topics.group(1)})
    assert saved.status_code == 303, saved.text[:1500]
    assert "Renamed" in (await client.get("/o/school/tracks")).text


@pytest.mark.parametrize("sent_from", ["question", "queue"])
async def test_sending_back_without_a_comment_says_so_beside_the_comment(
    client: httpx.AsyncClient, school: School, sent_from: str
) -> None:
    """A comment of spaces passes the browser's `required`: the reviewer gets the page the
    form was on again, the message beside the comment field (not a dead-end error page)."""
    await browser_sign_in(client, school.author.email)
    topic = str(leaf_topics(school.track)[0]["id"])
    made = await post_form(client, f"/o/school/tracks/{school.track['id']}/questions/new", {
        "type": "true_false", "topic_id": topic, "stem": "Ice is cold.", "explanation": "It is.",
        "tf_correct": "true"})  # fmt: skip
    url = made.headers["location"].split("?")[0]
    await post_form(client, f"{url}/submit", {}, page=url)
    client.cookies.clear()
    await browser_sign_in(client, school.reviewer.email)
    page = url if sent_from == "question" else "/o/school/review"
    fields = {"comment": "   "} | ({"back": "/o/school/review"} if sent_from == "queue" else {})
    refused = await post_form(client, f"{url}/send-back", fields, page=page)
    assert refused.status_code == 422
    question_id = url.rsplit("/", 1)[1]
    assert f'aria-describedby="comment-{question_id}-error"' in refused.text
    assert "Write what the author should change." in refused.text
    assert ("Review queue" in refused.text) == (sent_from == "queue")
    assert "in review" in (await client.get(url)).text  # nothing happened
