"""What the exam screen calls options: neutral names by position, never the author's ids.

Authors name options, items, premises and responses as they like ("driver" -> "r1"), and such
ids can give the answer away. An attempt shows them as `o1, o2, …` (options), `i1, …`
(ordering items), `p1, …` and `r1, …` (matching) in the order it presented them, and
translates at the boundary: learner answers in, answers and keys out.
"""

from __future__ import annotations

from typing import Any

PREFIX = {"options": "o", "items": "i", "premises": "p", "responses": "r"}


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

    def to_real(self, answer: dict[str, Any]) -> dict[str, Any]:
        """A learner's answer in the author's ids; names it does not know pass through, so the
        answer check reports them."""
        return self._map(answer, self._real)

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
