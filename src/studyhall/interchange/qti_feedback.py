"""Which of a QTI item's feedback a learner would see, and when: per option, always, or only
for some answers.

QTI shows feedback (modal feedback after the attempt, feedback blocks and inline feedback in
the text) when an outcome variable holds (or, with `showHide="hide"`, lacks) the feedback's
identifier; the response processing sets those outcomes. We hold per-option feedback (shown
when that option is picked) and one explanation everyone sees, so:

- feedback inside a choice, feedback keyed to an outcome the processing sets to the response
  itself (`FEEDBACK = RESPONSE`, the common per-answer pattern), and feedback whose identifier
  is set only when the response matches one choice, become that option's feedback;
- feedback whose outcome the processing sets unconditionally, or never sets at all (general
  feedback as several tools, and earlier Studyhall exports, write it), is the explanation;
- anything else (right/wrong feedback, feedback on a score) is shown only for some answers
  and cannot be held: it is left out, and the caller says so in the import report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from studyhall.interchange.xmlsafe import Element

ELSE = "\0else"  # the condition of a responseElse: no single choice
CHOICES = {"simplechoice", "inlinechoice"}
IN_TEXT = {"feedbackblock", "feedbackinline"}


@dataclass
class Feedback:
    explanation: str | None = None
    per_choice: dict[str, str] = field(default_factory=dict)  # choice identifier -> text
    left_out: list[str] = field(default_factory=list)  # identifiers of feedback not kept


@dataclass
class _Rules:
    """What the response processing does to identifier outcomes."""

    response: str
    setters: set[str] = field(default_factory=set)  # outcomes any rule sets
    always: set[tuple[str, str]] = field(default_factory=set)  # set whatever the answer
    echo: set[str] = field(default_factory=set)  # set to the response itself
    when_chosen: dict[tuple[str, str], str] = field(default_factory=dict)  # -> choice id


def sort_feedback(
    root: Element,
    interaction: Element,
    render: Callable[[Element], str],
    name: Callable[[Element], str],
    attr: Callable[[Element, str], str],
) -> Feedback:
    """The item's feedback sorted into per-choice feedback, explanation and what is left out.

    `render` turns an element's content into our text; `name` and `attr` read QTI names the
    way the reader does (any version, any namespace)."""
    rules = _Rules(attr(interaction, "responseIdentifier"))
    for processing in (e for e in root.iter() if name(e) == "responseprocessing"):
        _walk(processing, None, rules, name, attr)
    choices = {attr(c, "identifier") for c in interaction.iter() if name(c) in CHOICES}
    found = Feedback()
    general: list[str] = []
    for holder, element in _feedback_elements(root, name):
        text = render(element).strip()
        if not text:
            continue
        outcome, identifier = attr(element, "outcomeIdentifier"), attr(element, "identifier")
        if holder is not None:
            chosen: str | None = attr(holder, "identifier")
        else:
            chosen = _chosen(outcome, identifier, attr(element, "showHide") or "show", rules,
                             choices)  # fmt: skip
        if chosen == "":
            general.append(text)
        elif chosen is None:
            found.left_out.append(identifier)
        elif chosen in found.per_choice:
            found.per_choice[chosen] += "\n\n" + text
        else:
            found.per_choice[chosen] = text
    found.explanation = "\n\n".join(general) or None
    found.left_out = list(dict.fromkeys(found.left_out))
    return found


def _chosen(
    outcome: str, identifier: str, show: str, rules: _Rules, choices: set[str]
) -> str | None:
    """The choice the feedback belongs to; "" when everyone sees it; None when only some
    answers do (and not per choice)."""
    if outcome not in rules.setters:
        # Nothing sets the outcome: "show" feedback is the author's general feedback (a player
        # would never show it, which no author means); "hide" feedback is always shown.
        return ""
    if show == "hide":
        return None
    if outcome in rules.echo and identifier in choices:
        return identifier
    if (outcome, identifier) in rules.when_chosen:
        return rules.when_chosen[(outcome, identifier)]
    if (outcome, identifier) in rules.always:
        return ""
    return None


def _feedback_elements(
    root: Element, name: Callable[[Element], str]
) -> list[tuple[Element | None, Element]]:
    """Each feedback element with the choice it sits in (None outside choices), in order."""
    found: list[tuple[Element | None, Element]] = []

    def visit(element: Element, holder: Element | None) -> None:
        for child in element:
            kind = name(child)
            if kind == "modalfeedback" or kind in IN_TEXT:
                found.append((holder, child))
            else:
                visit(child, child if kind in CHOICES else holder)

    visit(root, None)
    return found


def _walk(
    element: Element,
    condition: str | None,
    rules: _Rules,
    name: Callable[[Element], str],
    attr: Callable[[Element, str], str],
) -> None:
    for child in element:
        kind = name(child)
        if kind == "setoutcomevalue":
            _set(child, condition, rules, name, attr)
        elif kind in ("responseif", "responseelseif"):
            test = next(iter(child), None)
            branch = _choice_tested(test, rules.response, name, attr) if test is not None else None
            _walk(child, branch or ELSE, rules, name, attr)
        elif kind == "responseelse":
            _walk(child, ELSE, rules, name, attr)
        else:
            _walk(child, condition, rules, name, attr)


def _set(
    rule: Element,
    condition: str | None,
    rules: _Rules,
    name: Callable[[Element], str],
    attr: Callable[[Element, str], str],
) -> None:
    outcome = attr(rule, "identifier")
    rules.setters.add(outcome)
    value = next(iter(rule), None)
    if value is None:
        return
    if name(value) == "variable" and attr(value, "identifier") == rules.response:
        rules.echo.add(outcome)
    elif name(value) == "basevalue":
        pair = (outcome, (value.text or "").strip())
        if condition is None:
            rules.always.add(pair)
        elif condition != ELSE:
            rules.when_chosen[pair] = condition


def _choice_tested(
    test: Element,
    response: str,
    name: Callable[[Element], str],
    attr: Callable[[Element, str], str],
) -> str | None:
    """The choice a condition tests for (`match`/`member` of the response and one value)."""
    if name(test) not in ("match", "member"):
        return None
    parts = list(test)
    values = [(p.text or "").strip() for p in parts if name(p) == "basevalue"]
    reads = [p for p in parts if name(p) == "variable" and attr(p, "identifier") == response]
    return values[0] if len(values) == 1 and len(reads) == 1 else None
