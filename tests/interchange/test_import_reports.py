"""What an import's report tells an author: losses per question (warnings), refusals in
words, and counts that match what was written."""

from __future__ import annotations

from typing import Any

import httpx

from studyhall.jobs.worker import Worker
from tests.factories import Person
from tests.interchange.test_imports_api import base, imported

GRANT = """$CATEGORY: Architecture/Cluster

When was Ulysses S. Grant born? {#=1822:0 # Correct! =%50%1822:2 # Close.}
"""


async def test_what_a_question_leaves_out_is_a_warning_in_its_report_entry(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    state, report = await imported(client, worker, track, author, "grant.gift", GRANT.encode())
    assert state["status"] == "done"
    (item,) = report["items"]
    assert item["action"] == "create"
    assert len(item["warnings"]) == 1
    assert "1822:2 worth 50% is left out" in item["warnings"][0]


async def test_an_empty_or_question_less_file_is_refused_with_a_clear_message(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    for name, data, why in [
        ("empty.gift", b"", "the file is empty"),
        ("blank.txt", b"\xef\xbb\xbf \n\n", "the file is empty"),
        ("empty.aiken", b"", "the file is empty"),
        ("comments.gift", b"// only a comment\n$CATEGORY: Architecture\n", "no questions"),
    ]:
        state, report = await imported(client, worker, track, author, name, data)
        assert state["status"] == "failed", name
        assert why in state["error"], (name, state["error"])
        assert report["items"] == []


def test_a_gift_question_right_after_its_category_line_is_imported() -> None:
    from studyhall.interchange import gift
    from studyhall.interchange.items import Parsed

    items = list(
        gift.parse("$CATEGORY: Architecture/Cluster\n// [tag:x]\nWho plans? {=driver ~exec}\n")
    )
    assert len(items) == 1
    assert isinstance(items[0], Parsed)
    assert (items[0].stem, items[0].category, items[0].where.line) == (
        "Who plans?", ["Architecture", "Cluster"], 3,
    )  # fmt: skip


def test_gift_export_names_the_questions_it_leaves_out_in_the_file() -> None:
    from studyhall.interchange import formats
    from studyhall.interchange.items import Exported

    ordering = Exported(
        {
            "stem": "Put these in order",
            "body": {
                "type": "ordering",
                "items": [{"id": "a", "text": "1"}, {"id": "b", "text": "2"}],
            },
            "explanation": "x",
        },
        ["T"],
        "0b5f2c1e-0000-4000-8000-000000000001",
    )
    data, skipped = formats.write(formats.ExportFormat.GIFT, [ordering])
    text = data.decode()
    assert "// left out: question 0b5f2c1e-0000-4000-8000-000000000001" in text
    assert '"Put these in order"' in text
    assert "GIFT has no ordering questions" in text
    assert skipped == [
        'question 0b5f2c1e-0000-4000-8000-000000000001 ("Put these in order"): '
        "GIFT has no ordering questions"
    ]


ORDERING = b"""<quiz><question type="category"><category><text>Architecture/Cluster</text>
</category></question><question type="ordering"><questiontext><text>Put in order</text>
</questiontext><answer fraction="1"><text>first</text></answer>
<answer fraction="2"><text>second</text></answer></question></quiz>"""


async def test_the_gift_export_response_names_the_questions_left_out(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    _, report = await imported(client, worker, track, author, "order.xml", ORDERING)
    (item,) = report["items"]
    exported = await client.get(
        f"{base(track)}/export", params={"format": "gift"}, headers=author.auth
    )
    assert exported.headers["X-Studyhall-Skipped"] == "1"
    assert exported.headers["X-Studyhall-Skipped-Questions"] == item["question_id"]
    assert f"// left out: question {item['question_id']}" in exported.text


def test_a_refused_gift_block_shows_its_first_words() -> None:
    from studyhall.interchange import gift
    from studyhall.interchange.items import Rejected

    essay, description = list(gift.parse("::E1::[html]Write about \\{Spark\\} {}\n\nJust words.\n"))
    assert isinstance(essay, Rejected)
    assert isinstance(description, Rejected)
    assert (essay.stem, description.stem) == ("Write about {Spark}", "Just words.")


FRAGMENT = b"""<?xml version="1.0" encoding="UTF-8"?>
<question type="truefalse"><questiontext><text>Sky is blue</text></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>
</question>"""


async def test_refused_files_are_named_for_what_they_are(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    state, _ = await imported(client, worker, track, author, "one.xml", FRAGMENT)
    assert state["format"] == "moodle_xml"
    assert state["status"] == "failed"
    assert "Moodle XML" in state["error"]
    assert "<quiz>" in state["error"]
    state, _ = await imported(client, worker, track, author, "empty.zip", b"")
    assert state["status"] == "failed"
    assert "the file is empty" in state["error"]
    assert "XML" not in state["error"]


ALL_OR_NOTHING = """$CATEGORY: Architecture/Cluster

Who plans? {=driver ~executor}

Is Spark lazy? {T}

Write an essay {}
"""


async def test_a_failed_all_or_nothing_import_creates_nothing_and_counts_nothing_created(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    state, report = await imported(
        client, worker, track, author, "mixed.gift", ALL_OR_NOTHING.encode()
    )
    assert state["status"] == "failed"
    assert state["counts"]["create"] == 0
    assert report["counts"]["create"] == 0
    assert [i["action"] for i in report["items"]] == ["skip", "skip", "reject"]
    assert "all or nothing" in report["items"][0]["reason"]


CSV = (
    "type,stem,answers,topic\n"
    "single_choice,Only one option?,*alone,Architecture / Cluster\n"
    f"true_false,{'x' * 20_001},true,Architecture / Cluster\n"
    "matching,Pair just one?,a => 1,Architecture / Cluster\n"
)


async def test_refusals_are_written_in_words_an_author_understands(
    client: httpx.AsyncClient, worker: Worker, track: dict[str, Any], author: Person
) -> None:
    _, report = await imported(
        client, worker, track, author, "bad.csv", CSV.encode(), partial="true"
    )
    reasons = [i["reason"] for i in report["items"]]
    assert len(reasons) == 3
    for reason in reasons:
        for jargon in ("List should", "String should", "Value error", "body.", "validation"):
            assert jargon not in reason, reason
    assert "at least 2 options" in reasons[0]
    assert "question text" in reasons[1]
    assert "20000 characters" in reasons[1]
    assert "at least 2 premises" in reasons[2]
