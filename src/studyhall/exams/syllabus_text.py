"""Reading an exam notice's syllabus ("conteúdo programático") into a proposed topic tree.

Pure: text in, frozen dataclasses out; nothing here knows the database or the web. Structure
drives the parse, not vocabulary, so a notice in any language works: numbered sections
("1.", "1.1", "1.1.1", "I –", "a)", bullets), headings in capitals, subject labels with an
inline list ("Língua Portuguesa: 1 Compreensão… 2 Tipologia…" or "…: Ortografia. Crase."),
and question counts ("Língua Portuguesa — 20 questões", "Raciocínio lógico ..... 10") which
become weights. The only vocabulary is the word for "questions" and a few page-furniture
patterns (page numbers, "ANEXO").

Invariants, property-tested in tests/exams/test_syllabus_import_text.py:
- `propose` never raises, whatever the text;
- every non-blank input line is accounted for: in some topic's `lines` or in a warning;
- text comes out NFC-normalised with its accents exactly as given;
- decimal numbering nests: "1.2.3" sits under "1.2", which sits under "1".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_NAME = 200  # a topic's name in the database (exams.models.Topic.name)
MAX_TOPICS = 2000  # the most topics one proposal keeps; the rest is warned about

# The word for "questions" in the languages of the notices we have seen; a count needs one
# unless it stands in a table-like column ("Língua Portuguesa ....... 20").
_COUNT_WORDS = (
    r"quest(?:ões|oes|ão|ao)|quest\.|itens|item|questions?|items?|preguntas?|reactivos?"
    r"|perguntas?|fragen|aufgaben|domande|quesiti|qu\.|q\."
)
# Searched from the line's end, so a long line costs one pass, not a quadratic backtrack.
_COUNT_END = re.compile(
    rf"(?<!\d)(?P<n>\d{{1,3}})\s*(?:{_COUNT_WORDS})\s*[)\]]?[.;]?$",
    re.IGNORECASE,
)
_COUNT_COLUMN = re.compile(r"(?:\.{3,}|…+|\||\t|\s[–—-]\s)\s*(?P<n>\d{1,3})$")
_COUNT_INSIDE = re.compile(rf"[(\[–—-]\s*(?P<n>\d{{1,3}})\s*(?:{_COUNT_WORDS})\s*[)\]]?", re.I)
_PAGE = re.compile(
    r"^(?:(?:p[áa]gina|page|p[áa]g\.?|seite|pagina)\s*)?\d{1,4}(?:\s*(?:de|of|von|di|/)\s*\d{1,4})?$",
    re.IGNORECASE,
)
_TITLE = re.compile(
    r"^(?:anexo|annex|appendix|ap[êe]ndice|conte[úu]dos? program[áa]ticos?|syllabus|temario"
    r"|programa de (?:provas|estudos))\b",
    re.IGNORECASE,
)
_DECIMAL = re.compile(r"^(?P<num>\d{1,3}(?:\.\d{1,3})*)(?:\.|\)|\s*[–—-])?\s+(?P<text>\S.*)$")
_ROMAN = re.compile(r"^(?P<num>[IVXLC]{1,6})\s*(?:[.)]|[–—-])\s*(?P<text>\S.*)$")
_LETTER = re.compile(r"^(?:\((?P<p>[a-z])\)|(?P<num>[a-z])\))\s*(?P<text>\S.*)$")
_BULLET = re.compile(r"^[•●▪◦■□➢►*·–—-]\s*(?P<text>\S.*)$")
_LABEL = re.compile(r"^(?P<label>[^\W\d_][^:.;]{0,98}?)\s*:\s*(?P<rest>.*)$")
# An inline number starts a new item after a sentence ends: ". 2 Reconhecimento", "; 2.1 Xy".
_INLINE_NUMBER = re.compile(
    r"(?:(?<=[.;:])|^)\s*(?P<num>\d{1,3}(?:\.\d{1,3})*)[.)]?\s+(?=[^\W\d_])"
)
# A line that ends on an item's number, its text on the next line: "…variados. 2".
_DANGLING_NUMBER = re.compile(r"(?:^|[.;:])\s*\d{1,3}(?:\.\d{1,3})*[.)]?$")
_SENTENCE = re.compile(r"(?<=[.;])\s+(?=[^\W\d_])|;\s*")
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\ufeff"), None)
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
_TERMINAL = ".;:!?"


@dataclass(frozen=True)
class ProposedTopic:
    """A topic as read from the notice. `weight` is its percent among its siblings;
    `questions` the count the notice gives it (or its children together), if any."""

    name: str
    weight: float
    questions: int | None
    lines: tuple[int, ...]
    children: tuple[ProposedTopic, ...] = ()


@dataclass(frozen=True)
class LineWarning:
    """A line (1-based) the reader did not take as it stands, and why."""

    line: int
    text: str
    message: str


@dataclass(frozen=True)
class Proposal:
    topics: tuple[ProposedTopic, ...]
    warnings: tuple[LineWarning, ...]

    def count(self) -> int:
        """How many topics the tree holds, at every level."""
        return sum(1 for _ in walk(self.topics))


def walk(topics: Iterable[ProposedTopic]) -> Iterable[ProposedTopic]:
    """Every topic, parents before their children."""
    for topic in topics:
        yield topic
        yield from walk(topic.children)


# ---- reading -------------------------------------------------------------------------


@dataclass
class _Line:
    number: int
    text: str


@dataclass
class _Block:
    """One or more physical lines that belong together (a wrapped item, a label with its list)."""

    kind: str  # heading | label | item | plain | tally
    parts: list[tuple[int, str]]  # (line number, text) in order
    marker: str | None = None
    style: str | None = None  # decimal | roman | letter | bullet
    label: str = ""
    questions: int | None = None

    @property
    def lines(self) -> tuple[int, ...]:
        return tuple(number for number, _ in self.parts)

    @property
    def text(self) -> str:
        return " ".join(text for _, text in self.parts)


@dataclass
class _Node:
    name: str
    lines: list[int]
    questions: int | None = None
    number: tuple[int, ...] | None = None
    key: tuple[str, int] | None = None
    rank: int = 2  # 0 group heading, 1 subject, 2 item
    children: list[_Node] = field(default_factory=list)


def clean(text: str) -> str:
    """NFC, invisible characters dropped, every run of spaces one space."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip()


def propose(text: str) -> Proposal:
    """The topic tree an exam notice's syllabus text proposes, with a warning for each line
    not taken as it stands. Never raises."""
    warnings: list[LineWarning] = []
    lines = [_Line(n, clean(raw)) for n, raw in enumerate(_split_lines(text), start=1)]
    lines = [line for line in lines if line.text]
    blocks = _blocks(lines, warnings)
    roots, tallies = _tree(blocks, warnings)
    _match_tallies(roots, tallies, warnings)
    roots = _bounded(roots, warnings)
    topics = tuple(_finish(roots, warnings))
    _unaccounted(lines, topics, warnings)
    return Proposal(topics, tuple(sorted(warnings, key=_by_line)))


def _unaccounted(
    lines: list[_Line], topics: tuple[ProposedTopic, ...], warnings: list[LineWarning]
) -> None:
    """A line that went into no topic (only punctuation left of it, say) is said, never lost."""
    seen = {n for topic in walk(topics) for n in topic.lines} | {w.line for w in warnings}
    for line in lines:
        if line.number not in seen:
            warnings.append(LineWarning(line.number, line.text, "not understood: left out"))


def _by_line(warning: LineWarning) -> int:
    return warning.line


def _split_lines(text: str) -> list[str]:
    # Only real line ends: str.splitlines would also split at \x1c, \x85 and the like, which
    # a pasted text may carry inside a line.
    return re.split(r"\r\n|\r|\n", text)


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    cased = [c for c in letters if c.isupper() or c.islower()]
    if len(cased) < 3:
        return False
    return sum(c.isupper() for c in cased) / len(cased) >= 0.85


def _marker(text: str) -> tuple[str, str, str] | None:
    """(style, marker, text after it) when the line starts a list item."""
    if match := _DECIMAL.match(text):
        return "decimal", match["num"], match["text"]
    if match := _ROMAN.match(text):
        return "roman", match["num"], match["text"]
    if match := _LETTER.match(text):
        return "letter", match["num"] or match["p"], match["text"]
    if match := _BULLET.match(text):
        return "bullet", "•", match["text"]
    return None


def _tally(text: str) -> tuple[str, int] | None:
    """A question count standing alone on its line: "Língua Portuguesa — 20 questões"."""
    if len(text) > MAX_NAME:
        return None  # a count line is short; and the patterns below are quadratic in length
    for pattern in (_COUNT_END, _COUNT_COLUMN):
        if match := pattern.search(text):
            name = text[: match.start()].strip(" .…:;,–—-|([\t")
            if any(c.isalpha() for c in name) and not _DECIMAL.match(text):
                return name, int(match["n"])
    return None


def _label_count(label: str) -> tuple[str, int | None]:
    """A subject label without its count: "Língua Portuguesa (20 questões)" -> 20."""
    if match := _COUNT_INSIDE.search(label):
        return (label[: match.start()] + label[match.end() :]).strip(" .:–—-"), int(match["n"])
    return label, None


def _long_line(lines: list[_Line]) -> int:
    """The length from which a line looks wrapped at the margin (it goes on below)."""
    lengths = sorted(len(line.text) for line in lines)
    if not lengths:
        return 0
    return max(40, int(lengths[int(len(lengths) * 0.9) - 1 if len(lengths) > 1 else 0] * 0.6))


def _blocks(lines: list[_Line], warnings: list[LineWarning]) -> list[_Block]:
    long = _long_line(lines)
    blocks: list[_Block] = []
    previous: _Line | None = None
    for index, line in enumerate(lines):
        text = line.text
        if previous is not None and blocks and _continues(previous, line, long, blocks[-1]):
            _join(blocks[-1], line)
            previous = line
            continue
        previous = line
        if _PAGE.match(text):
            warnings.append(LineWarning(line.number, text, "a page number: left out"))
            continue
        if not any(c.isalnum() for c in text):
            warnings.append(LineWarning(line.number, text, "no words: left out"))
            continue
        if _TITLE.match(text):
            warnings.append(LineWarning(line.number, text, "a title of the notice: left out"))
            continue
        blocks.append(_block_of(line, lines[index + 1] if index + 1 < len(lines) else None))
    return blocks


def _block_of(line: _Line, following: _Line | None) -> _Block:
    text = line.text
    if (tally := _tally(text)) is not None:
        name, count = tally
        # A count line directly above numbered items is that subject's heading.
        if following is not None and _marker(following.text):
            return _Block("label", [(line.number, "")], label=name, questions=count)
        return _Block("tally", [(line.number, text)], label=name, questions=count)
    if (found := _marker(text)) is not None:
        style, marker, rest = found
        return _Block("item", [(line.number, rest)], marker=marker, style=style)
    if _is_caps(text) and (not re.search(r":\s*\S", text) or _is_caps(text.split(":", 1)[1])):
        label, questions = _label_count(text.rstrip(":").strip())
        return _Block("heading", [(line.number, "")], label=label, questions=questions)
    if (match := _LABEL.match(text)) and len(match["label"].split()) <= 10:
        label, questions = _label_count(match["label"])
        return _Block("label", [(line.number, match["rest"])], label=label, questions=questions)
    return _Block("plain", [(line.number, text)])


def _continues(previous: _Line, line: _Line, long: int, block: _Block) -> bool:
    """Whether `line` goes on from `previous` (a wrapped line), rather than starting anew."""
    if block.kind in ("heading", "tally"):
        return False
    text = line.text
    if _marker(text):
        return False
    if _PAGE.match(text) or _is_caps(text) or _tally(text):
        return False
    if previous.text.endswith("-") and text[0].islower():
        return True
    if text[0].islower() or _DANGLING_NUMBER.search(previous.text):
        return True
    if _LABEL.match(text) and previous.text[-1] in _TERMINAL:
        return False
    return previous.text[-1] not in _TERMINAL and len(previous.text) >= long


def _join(block: _Block, line: _Line) -> None:
    number, last = block.parts[-1]
    if last.endswith("-") and len(last) > 1 and last[-2].isalpha() and line.text[0].islower():
        # A word hyphenated at the line's end: "princí-" + "pios" is "princípios".
        block.parts[-1] = (number, last[:-1])
        block.parts.append((line.number, "\x00" + line.text))
    else:
        block.parts.append((line.number, line.text))


def _joined(block: _Block) -> tuple[str, list[tuple[int, int]]]:
    """The block's text, and where each of its lines starts in it."""
    out = ""
    starts: list[tuple[int, int]] = []
    for number, text in block.parts:
        if text.startswith("\x00"):
            text = text[1:]
        elif out:
            out += " "
        starts.append((len(out), number))
        out += text
    return out, starts


def _lines_of(starts: list[tuple[int, int]], begin: int, end: int) -> list[int]:
    found = [n for offset, n in starts if begin <= offset < end]
    before = [n for offset, n in starts if offset <= begin]
    return sorted({*([before[-1]] if before else []), *found})


# ---- the tree ----------------------------------------------------------------------------


@dataclass
class _Cursor:
    """Where the next item goes: the subject it belongs to and the list levels open in it."""

    roots: list[_Node]
    group: _Node | None = None
    subject: _Node | None = None
    levels: list[_Node] = field(default_factory=list)
    last_number: tuple[int, ...] | None = None

    def container(self) -> list[_Node]:
        if self.subject is not None:
            return self.subject.children
        if self.group is not None:
            return self.group.children
        return self.roots


def _tree(
    blocks: list[_Block], warnings: list[LineWarning]
) -> tuple[list[_Node], list[tuple[_Block, str, int]]]:
    cursor = _Cursor(roots=[])
    tallies: list[tuple[_Block, str, int]] = []
    for index, block in enumerate(blocks):
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if block.kind == "tally":
            tallies.append((block, block.label, block.questions or 0))
        elif block.kind == "heading" and following is not None and following.kind == "tally":
            # "QUADRO DE PROVAS" above "Língua Portuguesa — 20 questões": the table's title.
            warnings.append(LineWarning(block.lines[0], block.label, "a table's title: left out"))
        elif block.kind == "heading":
            rank = 0 if following is not None and following.kind in ("heading", "label") else 1
            _open(cursor, _Node(block.label, list(block.lines), block.questions, rank=rank))
        elif block.kind == "label":
            node = _Node(block.label, [block.lines[0]], block.questions, rank=1)
            _open(cursor, node)
            text, starts = _joined(block)
            _inline(cursor, text, starts, warnings, sentences=True)
        elif block.kind == "item":
            _item_block(cursor, block, warnings)
        else:
            text, starts = _joined(block)
            _inline(cursor, text, starts, warnings, sentences=True)
    return cursor.roots, tallies


def _open(cursor: _Cursor, node: _Node) -> None:
    """A heading or subject: a group (rank 0) holds subjects; a subject holds items."""
    if node.rank == 0:
        cursor.roots.append(node)
        cursor.group, cursor.subject = node, None
    else:
        (cursor.group.children if cursor.group is not None else cursor.roots).append(node)
        cursor.subject = node
    cursor.levels, cursor.last_number = [], None


def _item_block(cursor: _Cursor, block: _Block, warnings: list[LineWarning]) -> None:
    text, starts = _joined(block)
    style, marker = block.style or "bullet", block.marker or "•"
    number = _number(marker) if style == "decimal" else None
    first_end = len(text)
    if number is not None:
        pieces = _numbered_pieces(text, number)
        if pieces:
            first_end = pieces[0][1]
    label = _LABEL.match(text)
    if label and re.match(r"\s*1(?:\.1)*\.?\s", label["rest"] or "") and style != "decimal":
        # "I – LÍNGUA PORTUGUESA: 1 Compreensão…": a marked subject with its own list.
        name, count = _label_count(label["label"])
        _open(cursor, _Node(name, [block.lines[0]], count, rank=1))
        rest_at = label.start("rest")
        _inline(cursor, text[rest_at:], [(o - rest_at, n) for o, n in starts], warnings)
        return
    _place(cursor, text[:first_end], _lines_of(starts, 0, first_end), style, number, warnings)
    if first_end < len(text):
        rest = [(o - first_end, n) for o, n in starts]
        _inline(cursor, text[first_end:], rest, warnings)


def _number(marker: str) -> tuple[int, ...]:
    return tuple(int(part) for part in marker.split("."))


def _successor(last: tuple[int, ...] | None, number: tuple[int, ...]) -> bool:
    """Whether `number` may follow `last` in one list: the next sibling, a first child, or the
    next sibling of an ancestor."""
    if last is None:
        return all(part == 1 for part in number)
    if number == (*last, 1):
        return True
    for depth in range(len(last), 0, -1):
        if number == (*last[: depth - 1], last[depth - 1] + 1):
            return True
    return False


def _numbered_pieces(
    text: str, last: tuple[int, ...] | None
) -> list[tuple[tuple[int, ...], int, int]]:
    """Where inline numbers start new items: (number, start of the number, start of its text)."""
    pieces = []
    for match in _INLINE_NUMBER.finditer(text):
        number = _number(match["num"])
        if _successor(last, number):
            pieces.append((number, match.start(), match.end()))
            last = number
    return pieces


def _inline(
    cursor: _Cursor,
    text: str,
    starts: list[tuple[int, int]],
    warnings: list[LineWarning],
    *,
    sentences: bool = False,
) -> None:
    """A run of text holding several items: numbered ("1 A. 2 B. 2.1 C.") or, with
    `sentences`, separated by "; " or ". " ("Ortografia. Crase; regência.")."""
    if not text.strip():
        return
    pieces = _numbered_pieces(text, cursor.last_number)
    if pieces and not text[: pieces[0][1]].strip(" .;:"):
        bounds = [*(p[1] for p in pieces[1:]), len(text)]
        for (number, number_at, begin), end in zip(pieces, bounds, strict=True):
            lines = _lines_of(starts, number_at, end)
            _place(cursor, text[begin:end], lines, "decimal", number, warnings)
        return
    if pieces:
        # Text before the first number: it belongs to what came before (a wrapped tail).
        head_end = pieces[0][1]
        _inline(cursor, text[:head_end], starts, warnings, sentences=sentences)
        tail = [(o - head_end, n) for o, n in starts]
        _inline(cursor, text[head_end:], tail, warnings)
        return
    cuts = [0, *(m.end() for m in _SENTENCE.finditer(text))] if sentences else [0]
    for begin, end in zip(cuts, [*cuts[1:], len(text)], strict=True):
        if text[begin:end].strip(" .;:,"):
            _place(cursor, text[begin:end], _lines_of(starts, begin, end), "plain", None, warnings)


def _place(
    cursor: _Cursor,
    text: str,
    lines: list[int],
    style: str,
    number: tuple[int, ...] | None,
    warnings: list[LineWarning],
) -> None:
    name = text.strip().rstrip(" .;:,").strip()
    if not name:
        for line in lines:
            warnings.append(LineWarning(line, text.strip(), "a number with no topic: left out"))
        return
    key = ("decimal", len(number)) if number is not None else (style, 0)
    node = _Node(name, lines, number=number, key=key)
    levels = cursor.levels
    if style == "plain" and levels and levels[-1].key and levels[-1].key[0] == "plain":
        levels.pop()
    at = next((i for i, open_ in enumerate(levels) if open_.key == key), None)
    if at is not None:
        del levels[at:]
    elif number is not None and len(number) > 1:
        # "2.1" goes under the open "2"; without it, under whatever is open.
        parent_at = next((i for i, o in enumerate(levels) if o.number == number[:-1]), None)
        if parent_at is not None:
            del levels[parent_at + 1 :]
    if style == "plain" and levels and levels[-1].key and levels[-1].key[0] != "plain":
        # Unnumbered text after numbered items is their sibling, not their child.
        levels.clear()
    (levels[-1].children if levels else cursor.container()).append(node)
    levels.append(node)
    if number is not None:
        cursor.last_number = number


def name_key(name: str) -> str:
    """Names compared without case, accents or punctuation: "LÍNGUA PORTUGUESA" matches
    "Língua portuguesa"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c for c in decomposed if c.isalnum() or c == " ")
    return " ".join(letters.split())


def _match_tallies(
    roots: list[_Node], tallies: list[tuple[_Block, str, int]], warnings: list[LineWarning]
) -> None:
    """Counts from a table of questions go to the subject of the same name; a count naming
    no subject is a subject of its own (a table and nothing else is a list of subjects)."""
    by_key: dict[str, _Node] = {}
    for node in _walk_nodes(roots):
        by_key.setdefault(name_key(node.name), node)
    for block, name, count in tallies:
        target = by_key.get(name_key(name))
        if target is None:
            roots.append(_Node(name, list(block.lines), count, rank=1))
            if any(node.children for node in roots):
                message = "a question count for no subject below: kept as a topic"
                warnings.append(LineWarning(block.lines[0], block.text, message))
        else:
            target.questions = count
            target.lines.extend(block.lines)


def _walk_nodes(nodes: list[_Node]) -> Iterable[_Node]:
    for node in nodes:
        yield node
        yield from _walk_nodes(node.children)


def _bounded(roots: list[_Node], warnings: list[LineWarning]) -> list[_Node]:
    """At most MAX_TOPICS topics: the ones past it become warnings, not silent losses."""
    seen = 0

    def keep(nodes: list[_Node]) -> list[_Node]:
        nonlocal seen
        kept = []
        for node in nodes:
            seen += 1
            if seen > MAX_TOPICS:
                for lost in _walk_nodes([node]):
                    warnings.append(
                        LineWarning(lost.lines[0], lost.name, f"past {MAX_TOPICS} topics: left out")
                    )
                continue
            node.children = keep(node.children)
            kept.append(node)
        return kept

    return keep(roots)


def _questions(node: _Node) -> int | None:
    if node.questions is not None:
        return node.questions
    counts = [_questions(child) for child in node.children]
    known = [c for c in counts if c is not None]
    return sum(known) if known else None


def _finish(nodes: list[_Node], warnings: list[LineWarning]) -> list[ProposedTopic]:
    """Weights from question counts (proportional) or equal shares, names within bounds."""
    counts = [_questions(node) for node in nodes]
    known = [c for c in counts if c]
    if known and len(known) < len(counts):
        for node, count in zip(nodes, counts, strict=True):
            if not count:
                warnings.append(
                    LineWarning(
                        node.lines[0],
                        node.name,
                        "no question count while its siblings have one: weighted as their mean",
                    )
                )
    mean = sum(known) / len(known) if known else 1.0
    shares = [float(c) if c else mean for c in counts]
    total = sum(shares)
    out = []
    for node, share, count in zip(nodes, shares, counts, strict=True):
        name = node.name
        if len(name) > MAX_NAME:
            warnings.append(
                LineWarning(node.lines[0], name, f"a name longer than {MAX_NAME} characters: cut")
            )
            name = name[: MAX_NAME - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
        out.append(
            ProposedTopic(
                name=name,
                weight=round(100 * share / total, 4),
                questions=count,
                lines=tuple(sorted(set(node.lines))),
                children=tuple(_finish(node.children, warnings)),
            )
        )
    return out
