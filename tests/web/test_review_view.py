"""What a reviewer sees before approving: the whole question as learners will see it (every
text rendered from Markdown), with the key, per-option feedback and matching distractors, on
the question page and in the review queue alike."""

from __future__ import annotations

import httpx

from tests.factories import leaf_topics
from tests.web.conftest import School
from tests.web.helpers import browser_sign_in, post_form

QUESTIONS = {
    "single_choice": {
        "stem": "Pick the *engine*.",
        "options": "* **Spark** || Right: it *is* the engine.\nHadoop || No, a **file system**.",
    },
    "ordering": {"stem": "Put them in order.", "items": "**first** step\nsecond `step`"},
    "matching": {"stem": "Match the sounds.", "pairs": "cat => **meow**\ndog => woof\n=> *moo*"},
    "true_false": {"stem": "Water is wet.", "tf_correct": "true"},
}  # fmt: skip


async def _submitted(client: httpx.AsyncClient, school: School) -> dict[str, str]:
    await browser_sign_in(client, school.author.email)
    topic = str(leaf_topics(school.track)[0]["id"])
    new = f"/o/school/tracks/{school.track['id']}/questions/new"
    urls = {}
    for kind, fields in QUESTIONS.items():
        fields = {"type": kind, "topic_id": topic, "explanation": "Because **so**.", **fields}
        made = await post_form(client, new, fields)
        assert made.status_code == 303, made.text[:1000]
        url = made.headers["location"].split("?")[0]
        assert (await post_form(client, f"{url}/submit", {}, page=url)).status_code == 303
        urls[kind] = url
    client.cookies.clear()
    await browser_sign_in(client, school.reviewer.email)
    return urls


def _shows_the_whole_question(page: str, kind: str) -> None:
    if kind == "single_choice":
        assert "<strong>Spark</strong>" in page
        assert "Right: it <em>is</em> the engine." in page  # per-option feedback, rendered
        assert "No, a <strong>file system</strong>." in page
        assert "right answer" in page
    elif kind == "ordering":
        assert "<strong>first</strong> step" in page  # rendered, not raw Markdown
        assert "**first**" not in page
        assert "second <code>step</code>" in page
    elif kind == "matching":
        assert "<strong>meow</strong>" in page
        assert "**meow**" not in page
        assert "<em>moo</em>" in page  # the distractor, which no premise takes
        assert "Distractor" in page
    elif kind == "true_false":
        assert "Right answer: <strong>True</strong>" in page
    assert "Because <strong>so</strong>." in page


async def test_the_question_page_shows_every_part_rendered(
    client: httpx.AsyncClient, school: School
) -> None:
    urls = await _submitted(client, school)
    for kind, url in urls.items():
        page = await client.get(url)
        assert page.status_code == 200
        _shows_the_whole_question(page.text, kind)


async def test_the_review_queue_shows_the_whole_question_before_approve(
    client: httpx.AsyncClient, school: School
) -> None:
    await _submitted(client, school)
    queue = (await client.get("/o/school/review")).text
    cards = queue.split('<article class="card')[1:]
    assert len(cards) == len(QUESTIONS)
    for kind in QUESTIONS:
        title = QUESTIONS[kind]["stem"].replace("*", "")
        card = next(c for c in cards if f">{title}</a></h2>" in c)
        _shows_the_whole_question(card, kind)
        assert card.index("Because") < card.index("Approve and publish")
