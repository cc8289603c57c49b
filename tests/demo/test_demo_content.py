"""The demo tracks are valid content: every question fits the contract and the syllabus adds up.

No database: the JSON files are read as shipped in the package and checked against the
`QuestionContent` contract, with `topic` (a topic key) standing in for `topic_id`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from typing import Any
from urllib.parse import urlparse

import pytest

from studyhall.bank.content import QuestionContent, QuestionType


@dataclass(frozen=True)
class Expectation:
    min_questions: int
    min_per_type: int
    min_per_leaf: int
    top_level_topics: tuple[int, int]  # inclusive range
    scoring_kind: str
    navigation: str


EXPECTED = {
    "spark-delta-associate": Expectation(64, 4, 8, (5, 5), "percent", "free"),
    "sql-foundations": Expectation(24, 2, 6, (3, 4), "scaled", "sequential"),
}
OFFICIAL_DOCS = {
    "spark.apache.org",
    "docs.delta.io",
    "github.com",  # only the Delta Lake protocol specification, checked below
    "parquet.apache.org",
    "www.postgresql.org",
    "www.sqlite.org",
}
TRACKS_DIR = files("studyhall.demo") / "tracks"


def _load(slug: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((TRACKS_DIR / f"{slug}.json").read_text(encoding="utf-8"))
    return data


TRACKS = {slug: _load(slug) for slug in EXPECTED}


def _walk(topics: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for topic in topics:
        yield topic
        yield from _walk(topic.get("children", []))


def _leaf_keys(track: dict[str, Any]) -> set[str]:
    return {t["key"] for t in _walk(track["topics"]) if not t.get("children")}


def _questions() -> list[Any]:
    return [
        pytest.param(slug, question, id=f"{slug}[{index}]")
        for slug, track in TRACKS.items()
        for index, question in enumerate(track["questions"])
    ]


def _markdown_fields(question: dict[str, Any]) -> Iterator[str]:
    body = question["body"]
    yield question["stem"]
    yield question["explanation"]
    for key in ("options", "items", "premises", "responses"):
        for entry in body.get(key, []):
            yield entry["text"]
            if entry.get("feedback"):
                yield entry["feedback"]
    for key in ("feedback_true", "feedback_false"):
        if body.get(key):
            yield body[key]


def test_every_shipped_track_is_checked() -> None:
    shipped = {p.name for p in TRACKS_DIR.iterdir() if p.name.endswith(".json")}
    assert shipped == {f"{slug}.json" for slug in EXPECTED}
    for slug, track in TRACKS.items():
        assert track["slug"] == slug


@pytest.mark.parametrize("slug", EXPECTED)
def test_track_settings(slug: str) -> None:
    track, expected = TRACKS[slug], EXPECTED[slug]
    assert track["name"]
    assert "Studyhall" in track["description"]
    assert "not affiliated" in track["description"]
    assert 0 < track["exam_length"] <= len(track["questions"])
    assert track["time_limit_minutes"] > 0
    assert track["navigation"] == expected.navigation
    scoring = track["scoring"]
    assert scoring["kind"] == expected.scoring_kind
    if scoring["kind"] == "percent":
        assert set(scoring) == {"kind"}
        assert 0 < track["passing_score"] <= 100
    else:
        assert set(scoring) == {"kind", "min", "max"}
        assert scoring["min"] < track["passing_score"] < scoring["max"]


@pytest.mark.parametrize("slug", EXPECTED)
def test_topic_tree(slug: str) -> None:
    track, expected = TRACKS[slug], EXPECTED[slug]
    low, high = expected.top_level_topics
    assert low <= len(track["topics"]) <= high

    def check_level(topics: list[dict[str, Any]]) -> None:
        assert sum(t["weight"] for t in topics) == 100, [t["key"] for t in topics]
        for topic in topics:
            assert topic["weight"] > 0
            assert topic["name"]
            if topic.get("children"):
                check_level(topic["children"])

    check_level(track["topics"])
    keys = [t["key"] for t in _walk(track["topics"])]
    assert len(keys) == len(set(keys)), "topic keys must be unique within a track"
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key) for key in keys)


def test_first_track_exercises_a_topic_tree() -> None:
    parents = [t for t in TRACKS["spark-delta-associate"]["topics"] if t.get("children")]
    assert len(parents) == 1
    assert len(parents[0]["children"]) == 2


@pytest.mark.parametrize(("slug", "question"), _questions())
def test_question_fits_the_contract(slug: str, question: dict[str, Any]) -> None:
    assert question["topic"] in _leaf_keys(TRACKS[slug]), "questions belong to leaf topics"
    fields = {k: v for k, v in question.items() if k != "topic"}
    content = QuestionContent.model_validate({**fields, "topic_id": question["topic"]})

    assert content.source == "Studyhall original"
    assert 2 <= len(content.tags) <= 4
    assert all(tag == tag.lower() for tag in question["tags"])
    assert 1 <= content.difficulty <= 5
    sentences = len(re.findall(r"[.!?](\s|$)", content.explanation.strip()))
    assert 2 <= sentences <= 6, "explanations teach in a few sentences"
    assert content.references, "every question cites documentation"
    for reference in content.references:
        assert reference.url is not None
        host = urlparse(str(reference.url)).hostname
        assert host in OFFICIAL_DOCS, reference.url
        if host == "github.com":
            assert str(reference.url).startswith("https://github.com/delta-io/delta/")


@pytest.mark.parametrize(("slug", "question"), _questions())
def test_question_is_well_authored(slug: str, question: dict[str, Any]) -> None:
    body = question["body"]
    kind = QuestionType(body["type"])
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_RESPONSE):
        assert len(body["options"]) >= 3
        assert all(o.get("feedback") for o in body["options"]), "every option explains itself"
        assert any(not o["correct"] for o in body["options"])
    elif kind is QuestionType.TRUE_FALSE:
        assert body.get("feedback_true")
        assert body.get("feedback_false")
    elif kind is QuestionType.MATCHING:
        assert len(body["responses"]) > len(set(body["pairs"].values())), "needs a distractor"
    elif kind is QuestionType.ORDERING:
        assert len(body["items"]) >= 3
    elif kind is QuestionType.SHORT_TEXT and body.get("pattern"):
        flags = 0 if body.get("case_sensitive") else re.IGNORECASE
        for answer in body["accepted_answers"]:
            assert re.fullmatch(body["pattern"], answer["text"], flags), answer

    for text in _markdown_fields(question):
        fences = re.findall(r"^```(.*)$", text, flags=re.MULTILINE)
        assert len(fences) % 2 == 0, "unbalanced code fence"
        assert all(fences[i].strip() for i in range(0, len(fences), 2)), "fence needs a language"


@pytest.mark.parametrize("slug", EXPECTED)
def test_coverage(slug: str) -> None:
    track, expected = TRACKS[slug], EXPECTED[slug]
    questions = track["questions"]
    assert len(questions) >= expected.min_questions

    types = Counter(q["body"]["type"] for q in questions)
    assert set(types) == set(QuestionType)
    assert min(types.values()) >= expected.min_per_type, types

    per_leaf = Counter(q["topic"] for q in questions)
    assert set(per_leaf) == _leaf_keys(track), "every leaf topic has questions"
    assert min(per_leaf.values()) >= expected.min_per_leaf, per_leaf

    partial = [q for q in questions if q["body"].get("scoring") == "partial"]
    assert partial, "some multiple-response questions give partial credit"


def test_stems_are_unique() -> None:
    stems = [" ".join(q["stem"].split()).lower() for t in TRACKS.values() for q in t["questions"]]
    repeated = [stem for stem, n in Counter(stems).items() if n > 1]
    assert not repeated
