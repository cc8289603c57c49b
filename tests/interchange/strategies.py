"""Hypothesis strategies: questions of every type, with text that stresses each format's
escaping (`~ = # { } : | * \\ < > &` and Markdown), and a projection of what a format carries."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from studyhall.interchange.items import Exported

WORD = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789~=#{}:|*\\<>&'\"-?!.,()_"),
    min_size=1,
    max_size=7,
).filter(lambda w: not w.startswith("//"))
SAFE_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)


def sentence(words: st.SearchStrategy[str] = WORD, *, max_words: int = 6) -> Any:
    return st.lists(words, min_size=1, max_size=max_words).map(" ".join)


def paragraphs() -> Any:
    """One to three sentences, joined by line breaks or paragraph breaks."""
    return st.tuples(
        st.lists(sentence(max_words=8), min_size=1, max_size=3), st.sampled_from(["\n", "\n\n"])
    ).map(lambda pair: pair[1].join(pair[0]))


def _unique(count_min: int, count_max: int) -> Any:
    return st.lists(
        sentence(max_words=3), min_size=count_min, max_size=count_max, unique_by=str.casefold
    )


@st.composite
def bodies(draw: st.DrawFn, kinds: tuple[str, ...]) -> dict[str, Any]:
    kind = draw(st.sampled_from(kinds))
    feedback = st.none() | sentence()
    if kind in ("single_choice", "multiple_response"):
        texts = draw(_unique(2, 6))
        if kind == "single_choice":
            right = {draw(st.integers(0, len(texts) - 1))}
        else:
            right = set(draw(st.lists(st.integers(0, len(texts) - 1), min_size=1, unique=True)))
        options = [
            {"id": f"x{n}", "text": t, "correct": n in right, "feedback": draw(feedback)}
            for n, t in enumerate(texts)
        ]
        return {"type": kind, "options": options, "shuffle": draw(st.booleans())}
    if kind == "true_false":
        return {
            "type": kind,
            "correct_answer": draw(st.booleans()),
            "feedback_true": draw(feedback),
            "feedback_false": draw(feedback),
        }
    if kind == "numeric":
        value = draw(st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: round(f, 3)))
        if draw(st.booleans()):
            return {
                "type": kind,
                "value": value,
                "tolerance": draw(st.floats(0, 100).map(lambda f: round(f, 3))),
            }
        return {"type": kind, "min": value, "max": value + draw(st.integers(0, 50))}
    if kind == "short_text":
        return {"type": kind, "accepted_answers": [{"text": t} for t in draw(_unique(1, 4))]}
    if kind == "ordering":
        return {
            "type": kind,
            "items": [{"id": f"i{n}", "text": t} for n, t in enumerate(draw(_unique(2, 6)))],
        }
    premises = draw(_unique(2, 5))
    responses = draw(_unique(len(premises), len(premises) + 2))
    return {
        "type": "matching",
        "premises": [{"id": f"p{n}", "text": t} for n, t in enumerate(premises)],
        "responses": [{"id": f"r{n}", "text": t} for n, t in enumerate(responses)],
        "pairs": {f"p{n}": f"r{n}" for n in range(len(premises))},
    }


ALL_KINDS = (
    "single_choice",
    "multiple_response",
    "true_false",
    "numeric",
    "short_text",
    "ordering",
    "matching",
)
ROOTS = {"top", "$course$", "$module$", "$system$"}


@st.composite
def questions(draw: st.DrawFn, kinds: tuple[str, ...] = ALL_KINDS) -> Exported:
    topic = draw(
        st.lists(sentence(SAFE_WORD, max_words=2), min_size=1, max_size=2).filter(
            lambda path: path[0] not in ROOTS
        )
    )
    content = {
        "stem": draw(paragraphs()),
        "body": draw(bodies(kinds)),
        "explanation": draw(paragraphs()),
        "topic_id": "00000000-0000-0000-0000-000000000000",
        "tags": draw(st.lists(SAFE_WORD, max_size=3, unique=True)),
        "difficulty": draw(st.integers(1, 5)),
        "references": [],
        "source": None,
    }
    return Exported(content, topic)


def answers(body: dict[str, Any]) -> Any:
    """The answers, by text: what must survive any format that holds the type."""
    kind = body["type"]
    if kind in ("single_choice", "multiple_response"):
        return [(o["text"], o["correct"]) for o in body["options"]]
    if kind == "true_false":
        return body["correct_answer"]
    if kind == "numeric":
        if body.get("value") is not None:
            return (
                body["value"] - body.get("tolerance", 0),
                body["value"] + body.get("tolerance", 0),
            )
        return (body["min"], body["max"])
    if kind == "short_text":
        return [a["text"] for a in body["accepted_answers"]]
    if kind == "ordering":
        return [i["text"] for i in body["items"]]
    texts = {i["id"]: i["text"] for i in body["premises"] + body["responses"]}
    paired = sorted((texts[p], texts[r]) for p, r in body["pairs"].items())
    spare = sorted(r["text"] for r in body["responses"] if r["id"] not in body["pairs"].values())
    return paired, spare


def feedback(body: dict[str, Any]) -> Any:
    if "options" in body:
        return [o.get("feedback") for o in body["options"]]
    if body["type"] == "true_false":
        return (body.get("feedback_true"), body.get("feedback_false"))
    return None
