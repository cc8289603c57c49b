"""The version diff as a person reads it: labels for what an author wrote ("Option B text",
"Matching premise 2"), never internal paths, and inline changes within a text."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from studyhall.bank.diff import inline_diff, readable_changes
from tests.bank.helpers import BODIES, content

TOPICS = {"t1": "Cluster", "t2": "Dataframes"}


def _rows(old: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[str, str]]:
    rows = readable_changes(old, new, topic_names=TOPICS)
    return {r.label: (r.before_text, r.after_text) for r in rows}


def test_options_and_feedback_are_named_by_letter() -> None:
    old = content("t1", BODIES["single_choice"])
    new = copy.deepcopy(old)
    new["body"]["options"][1]["text"] = "Every executor"
    new["body"]["options"][0]["feedback"] = "Yes, it plans."
    rows = _rows(old, new)
    assert rows["Option B text"] == ("An executor", "Every executor")
    assert rows["Option A feedback"] == ("Yes.", "Yes, it plans.")
    assert not any("body." in label or "options" in label for label in rows)


def test_matching_parts_are_named_and_pairs_show_texts() -> None:
    old = content("t1", BODIES["matching"])
    new = copy.deepcopy(old)
    body = new["body"]
    body["premises"][1]["text"] = "Changed premise"
    first, second = body["responses"][0]["id"], body["responses"][1]["id"]
    premise = body["premises"][0]["id"]
    body["pairs"][premise] = second if body["pairs"][premise] == first else first
    rows = _rows(old, new)
    assert rows["Matching premise 2"][1] == "Changed premise"
    pair = rows["Matching premise 1: right response"]
    texts = {r["id"]: r["text"] for r in body["responses"]}
    assert pair == (texts[old["body"]["pairs"][premise]], texts[body["pairs"][premise]])


def test_people_words_for_topic_tags_type_and_flags() -> None:
    old = content("t1", BODIES["true_false"], tags=["a", "b"], difficulty=2)
    new = content("t2", {**BODIES["true_false"], "correct_answer": True}, tags=["b", "c"],
                  difficulty=4)  # fmt: skip
    rows = _rows(old, new)
    assert rows["Topic"] == ("Cluster", "Dataframes")
    assert rows["Tags"] == ("a, b", "b, c")
    assert rows["Difficulty"] == ("2", "4")
    assert rows["Right answer"] == ("False", "True")


def test_an_added_option_is_one_row_with_its_text() -> None:
    old = content("t1", BODIES["single_choice"])
    new = copy.deepcopy(old)
    new["body"]["options"].append({"id": "d", "text": "The catalog", "correct": False})
    assert _rows(old, new)["Option D"] == ("", "The catalog")


words = st.text(alphabet="ab \n.", max_size=40)


@given(words, words)
def test_inline_diff_keeps_both_texts(old: str, new: str) -> None:
    before, after = inline_diff(old, new)
    assert "".join(s.text for s in before) == old
    assert "".join(s.text for s in after) == new
    assert all(not s.changed for s in before + after) == (old == new)


def test_inline_diff_marks_only_the_changed_words() -> None:
    before, after = inline_diff("Water is wet.", "Water is very wet.")
    assert [s.text for s in after if s.changed] == ["very "]
    assert not any(s.changed for s in before)
