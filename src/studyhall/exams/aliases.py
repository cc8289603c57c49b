"""What the exam screen calls options: neutral names by position, never the author's ids.

Authors name options, items, premises and responses as they like ("driver" -> "r1"), and such
ids can give the answer away. An attempt shows them as `o1, o2, …` (options), `i1, …`
(ordering items), `p1, …` and `r1, …` (matching) in the order it presented them, and
translates at the boundary: learner answers in, answers and keys out.

An answer must use the screen's names only. Were an unknown name passed through, an author's
own id (often guessable: `a`, `b`, `right`) would be translated on the way out and the
reply would tell which screen option it is — a learner could read the key. So any name the
screen did not show is refused with the same error, whatever it is.
"""

from __future__ import annotations

from typing import Any

from studyhall.exams.scoring import InvalidAnswer

PREFIX = {"options": "o", "items": "i", "premises": "p", "responses": "r"}
NOUN = {"options": "option", "items": "item", "premises": "premise", "responses": "response"}


class Aliases:
    def __init__(self, presented: dict[str, list[str]]) -> None:
        self._real = {
            kind: {f"{PREFIX[kind]}{n}": real for n, real in enumerate(ids, start=1)}
            for kind, ids in presented.items()
            if kind in PREFIX
        }
        self._alias = {kind: {r: a for a, r in names.items()} for kind, names in self._real.items()}

    def alias(self, kind: str, real: str) -> str:
        return self._alias.get(kind, {}).get(real, real)

    def to_real(self, answer: dict[str, Any], field: str = "body.answer") -> dict[str, Any]:
        """A learner's answer in the author's ids.

        Raises `InvalidAnswer` naming every field that uses a name the screen did not show;
        values of the wrong shape (not strings) pass through for the answer check to report.
        """
        errors = [
            (f"{field}.{where}", self._unknown(kind))
            for kind, where, name in _names(answer)
            if kind in self._real and name not in self._real[kind]
        ]
        if errors:
            raise InvalidAnswer("Invalid fields: " + ", ".join(f for f, _ in errors), errors=errors)
        return self._map(answer, self._real)

    def _unknown(self, kind: str) -> str:
        names = list(self._real[kind])
        shown = f"{names[0]} to {names[-1]}" if names else "none"
        return f"is not one of the {NOUN[kind]}s on the screen ({shown})"

    def to_alias(self, answer: dict[str, Any]) -> dict[str, Any]:
        return self._map(answer, self._alias)

    @staticmethod
    def _map(answer: dict[str, Any], table: dict[str, dict[str, str]]) -> dict[str, Any]:
        def one(kind: str, value: Any) -> Any:
            return table.get(kind, {}).get(value, value) if isinstance(value, str) else value

        out = dict(answer)
        if "choice" in out:
            out["choice"] = one("options", out["choice"])
        if isinstance(out.get("choices"), list):
            out["choices"] = sorted(one("options", c) for c in out["choices"])
        if isinstance(out.get("order"), list):
            out["order"] = [one("items", i) for i in out["order"]]
        if isinstance(out.get("pairs"), dict):
            out["pairs"] = {one("premises", p): one("responses", r)
                            for p, r in out["pairs"].items()}  # fmt: skip
        return out


def _names(answer: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(kind, field path, name) for every name an answer uses, in the screen's namespaces."""
    found: list[tuple[str, str, str]] = []
    if isinstance(answer.get("choice"), str):
        found.append(("options", "choice", answer["choice"]))
    for key, kind in (("choices", "options"), ("order", "items")):
        values = answer.get(key)
        if isinstance(values, list):
            found += [(kind, f"{key}.{n}", v) for n, v in enumerate(values) if isinstance(v, str)]
    if isinstance(answer.get("pairs"), dict):
        for premise, response in answer["pairs"].items():
            found.append(("premises", f"pairs.{premise}", premise))
            if isinstance(response, str):
                found.append(("responses", f"pairs.{premise}", response))
    return found
