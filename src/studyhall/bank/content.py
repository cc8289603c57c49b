"""What a question says and what counts as right: one shape per question type.

This is the contract between authors (API, imports, demo content), scoring and the exam
screen. Each type validates itself: a choice question with no correct option, duplicate
option ids or a numeric range upside down is refused here with the field at fault.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    field_validator,
    model_validator,
)

Markdown = Annotated[str, StringConstraints(max_length=20_000)]
ShortMarkdown = Annotated[str, StringConstraints(max_length=4_000)]
OptionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=48)
]


T = TypeVar("T", bound="Item")


# A group containing a quantifier, itself quantified: the classic catastrophic-backtracking shape.
NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")


class QuestionType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_RESPONSE = "multiple_response"
    TRUE_FALSE = "true_false"
    NUMERIC = "numeric"
    SHORT_TEXT = "short_text"
    ORDERING = "ordering"
    MATCHING = "matching"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Item(Strict):
    """An option without a correctness flag (ordering items, matching premises and responses)."""

    id: OptionId
    text: ShortMarkdown = Field(min_length=1)


class Option(Item):
    text: ShortMarkdown = Field(min_length=1)
    correct: bool = False
    feedback: ShortMarkdown | None = Field(None, description="Shown when this option is picked.")


def _unique_ids(items: list[T]) -> list[T]:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.id in seen:
            raise ValueError(f"item {index} repeats the id {item.id!r}")
        seen.add(item.id)
    return items


class SingleChoice(Strict):
    type: Literal[QuestionType.SINGLE_CHOICE]
    options: list[Option] = Field(min_length=2, max_length=12)
    shuffle: bool = True

    @field_validator("options")
    @classmethod
    def _exactly_one_correct(cls, options: list[Option]) -> list[Option]:
        if sum(o.correct for o in options) != 1:
            raise ValueError("exactly one option must be correct")
        return _unique_ids(options)


class MultipleResponse(Strict):
    type: Literal[QuestionType.MULTIPLE_RESPONSE]
    options: list[Option] = Field(min_length=2, max_length=12)
    shuffle: bool = True
    scoring: Literal["all_or_nothing", "partial"] = "all_or_nothing"
    # Partial credit: each right pick earns 1/len(correct); each wrong pick costs
    # penalty/len(correct); the total is clamped to [0, 1].
    penalty: float = Field(1.0, ge=0, le=1)

    @field_validator("options")
    @classmethod
    def _some_correct(cls, options: list[Option]) -> list[Option]:
        if not any(o.correct for o in options):
            raise ValueError("at least one option must be correct")
        return _unique_ids(options)


class TrueFalse(Strict):
    type: Literal[QuestionType.TRUE_FALSE]
    correct_answer: bool
    feedback_true: ShortMarkdown | None = None
    feedback_false: ShortMarkdown | None = None


class Numeric(Strict):
    """Right when within `value ± tolerance`, or within `[min, max]` (inclusive)."""

    type: Literal[QuestionType.NUMERIC]
    value: float | None = Field(None, allow_inf_nan=False)
    tolerance: float = Field(0.0, ge=0, allow_inf_nan=False)
    min: float | None = Field(None, allow_inf_nan=False)
    max: float | None = Field(None, allow_inf_nan=False)
    unit: str | None = Field(None, max_length=32)

    @model_validator(mode="after")
    def _value_or_range(self) -> Numeric:
        has_value = self.value is not None
        has_range = self.min is not None or self.max is not None
        if has_value == has_range:
            raise ValueError("give either value (with tolerance) or min and max")
        if has_range and (self.min is None or self.max is None or self.min > self.max):
            raise ValueError("a range needs both min and max, with min <= max")
        return self


class AcceptedAnswer(Strict):
    # Stripped first, so a blank "answer" cannot make an empty reply right.
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    # The share of the marks this answer earns: 1 is fully right; less is partial credit (as
    # GIFT's `=%50%Cat` and Moodle's answer fractions say). A wrong answer is simply not listed.
    credit: float = Field(1.0, gt=0, le=1, allow_inf_nan=False)


class ShortText(Strict):
    type: Literal[QuestionType.SHORT_TEXT]
    accepted_answers: list[AcceptedAnswer] = Field(default_factory=list, max_length=50)
    case_sensitive: bool = False
    # Collapse runs of whitespace and trim before comparing.
    normalize_whitespace: bool = True
    pattern: str | None = Field(None, max_length=500, description="A full-match regex.")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None and NESTED_QUANTIFIER.search(pattern):
            # `(a+)+` and the like backtrack catastrophically: one reply could stall a worker.
            raise ValueError("nested repetition such as (a+)+ is not allowed")
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a regular expression ({exc})") from exc
        return pattern

    @model_validator(mode="after")
    def _something_to_match(self) -> ShortText:
        if not self.accepted_answers and not self.pattern:
            raise ValueError("give at least one accepted answer or a pattern")
        if (
            self.accepted_answers
            and not self.pattern
            and all(a.credit < 1 for a in self.accepted_answers)
        ):
            # Otherwise nobody could ever earn the question's full marks.
            raise ValueError("at least one accepted answer must earn full credit")
        return self


class Ordering(Strict):
    """Items are listed in the correct order; learners see them shuffled."""

    type: Literal[QuestionType.ORDERING]
    items: list[Item] = Field(min_length=2, max_length=12)
    partial_credit: bool = False  # share of items in their right place

    _unique = field_validator("items")(lambda cls, items: _unique_ids(items))


class Matching(Strict):
    """Each premise has one right response; responses may outnumber premises (distractors)."""

    type: Literal[QuestionType.MATCHING]
    premises: list[Item] = Field(min_length=2, max_length=12)
    responses: list[Item] = Field(min_length=2, max_length=16)
    pairs: dict[OptionId, OptionId]
    partial_credit: bool = False  # share of premises matched right

    _unique = field_validator("premises", "responses")(lambda cls, items: _unique_ids(items))

    @model_validator(mode="after")
    def _pairs_cover_premises(self) -> Matching:
        premise_ids = {p.id for p in self.premises}
        response_ids = {r.id for r in self.responses}
        if set(self.pairs) != premise_ids:
            raise ValueError("pairs must give exactly one response for every premise")
        if unknown := set(self.pairs.values()) - response_ids:
            raise ValueError(f"pairs name unknown response ids {sorted(unknown)}")
        return self


Body = Annotated[
    SingleChoice | MultipleResponse | TrueFalse | Numeric | ShortText | Ordering | Matching,
    Field(discriminator="type"),
]


class Reference(Strict):
    title: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    url: HttpUrl | None = None


class QuestionContent(Strict):
    """Everything an author writes about a question; a version stores exactly this."""

    stem: Markdown = Field(min_length=1)
    body: Body
    explanation: Markdown = Field(min_length=1, description="Why the right answer is right.")
    topic_id: str = Field(description="A topic of the track's syllabus.")
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    difficulty: int = Field(3, ge=1, le=5, description="Author's estimate, 1 (easy) to 5 (hard).")
    references: list[Reference] = Field(default_factory=list, max_length=10)
    source: str | None = Field(None, max_length=300)


# Learner answers, one shape per type. Checked against the question when saved.
class ChoiceAnswer(Strict):
    choice: OptionId


class ChoicesAnswer(Strict):
    choices: list[OptionId] = Field(max_length=12)


class BooleanAnswer(Strict):
    value: bool


class NumberAnswer(Strict):
    value: float = Field(allow_inf_nan=False)


class TextAnswer(Strict):
    text: Annotated[str, StringConstraints(max_length=1000)]


class OrderAnswer(Strict):
    order: list[OptionId] = Field(max_length=12)


class PairsAnswer(Strict):
    pairs: dict[OptionId, OptionId]


ANSWER_SHAPES: dict[QuestionType, type[Strict]] = {
    QuestionType.SINGLE_CHOICE: ChoiceAnswer,
    QuestionType.MULTIPLE_RESPONSE: ChoicesAnswer,
    QuestionType.TRUE_FALSE: BooleanAnswer,
    QuestionType.NUMERIC: NumberAnswer,
    QuestionType.SHORT_TEXT: TextAnswer,
    QuestionType.ORDERING: OrderAnswer,
    QuestionType.MATCHING: PairsAnswer,
}
