"""Importing a 20,000-question Moodle XML file: questions per second and peak memory.

Run (from the repository root, after `make install`):

    .venv/bin/python bench/bench_import.py                     # 20,000 questions
    .venv/bin/python bench/bench_import.py --questions 2000    # a quick look
    .venv/bin/python bench/bench_import.py --keep              # keep the temporary directory

What it does, in one run:
1. Writes a Moodle XML file of N questions (a mix of multichoice, multiple answers,
   true/false, short answer, numerical, matching and ordering, each with feedback, in the
   categories of the demo track) to a temporary directory, makes a fresh SQLite database
   through the real migrations and creates the demo organisation (`studyhall demo`).
2. Runs each phase in a child process of its own, so each one's peak resident memory
   (`ru_maxrss`) is its own:
   - `stream`: our streaming reader (`moodle_xml.parse`) over the whole file;
   - `tree` (the baseline for memory): defusedxml parsing the whole file into one tree, then
     walking its questions, which is what a non-streaming reader costs;
   - `import-single` (the baseline for speed): `studyhall import` end to end with new
     questions written one at a time through `bank.service.create_question`, as importing
     did before the bulk path (the importer's `bank.create_questions` replaced, in that child
     only, by a loop over `create_question`), into a database of its own;
   - `import`: `studyhall import` end to end (read and check every question, then write them
     all as drafts in one transaction, audited, in batches through
     `bank.service.create_questions`), into the demo track of a fresh database.
3. Prints seconds, questions per second and peak memory per phase, and the ratios.

`--skip-single` leaves the baseline out (it takes about six minutes for 20,000 questions).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

CATEGORIES = [
    "Spark architecture and execution model",
    "DataFrame API and Spark SQL transformations",
    "Delta Lake tables/ACID transactions, time travel and MERGE",
    "Delta Lake tables/Schema enforcement and evolution, OPTIMIZE, Z-ordering and VACUUM",
    "Incremental processing: Structured Streaming and file ingestion",
    "Data quality, performance and production pipelines",
]
WORDS = [
    "driver",
    "executor",
    "partition",
    "shuffle",
    "stage",
    "task",
    "broadcast",
    "join",
    "window",
    "aggregate",
    "schema",
    "delta",
    "merge",
    "vacuum",
    "optimize",
    "checkpoint",
    "stream",
    "trigger",
    "watermark",
    "table",
    "column",
    "row",
    "cache",
]


def _t(text: str) -> str:
    return f"<text>{escape(text)}</text>"


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _question(n: int, rng: random.Random) -> str:
    stem = f"Question {n}: which {_sentence(rng, 8)}?"
    head = (
        f'<name>{_t(f"Q{n}")}</name><questiontext format="html">'
        f"{_t(f'<p>{stem}</p>')}</questiontext>"
        f'<generalfeedback format="html">{_t(_sentence(rng, 12))}</generalfeedback>'
    )
    kind = n % 7
    if kind in (0, 1):
        single = kind == 0
        answers = "".join(
            f'<answer fraction="{(100 if i == 0 else 0) if single else (50 if i < 2 else -100)}">'
            f"{_t(_sentence(rng, 4) + f' {i}')}<feedback>{_t(_sentence(rng, 5))}</feedback>"
            "</answer>"
            for i in range(4)
        )
        flag = "true" if single else "false"
        return f'<question type="multichoice">{head}<single>{flag}</single>{answers}</question>'
    if kind == 2:
        return (
            f'<question type="truefalse">{head}<answer fraction="100">{_t("true")}</answer>'
            f'<answer fraction="0">{_t("false")}</answer></question>'
        )
    if kind == 3:
        return (
            f'<question type="shortanswer">{head}<usecase>0</usecase>'
            f'<answer fraction="100">{_t(rng.choice(WORDS))}</answer></question>'
        )
    if kind == 4:
        return (
            f'<question type="numerical">{head}<answer fraction="100">{_t(str(n % 500))}'
            "<tolerance>0.5</tolerance></answer></question>"
        )
    if kind == 5:
        pairs = "".join(
            f"<subquestion>{_t(f'{_sentence(rng, 3)} {i}')}<answer>{_t(f'answer {i}')}"
            "</answer></subquestion>"
            for i in range(4)
        )
        return f'<question type="matching">{head}{pairs}</question>'
    items = "".join(
        f'<answer fraction="{i + 1}">{_t(f"step {i} {_sentence(rng, 2)}")}</answer>'
        for i in range(4)
    )
    return f'<question type="ordering">{head}{items}</question>'


def write_file(path: Path, count: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')
        per_category = -(-count // len(CATEGORIES))
        for n in range(count):
            if n % per_category == 0:
                category = CATEGORIES[n // per_category]
                out.write(
                    '<question type="category"><category>'
                    f"{_t('$course$/top/' + category)}</category></question>\n"
                )
            out.write(_question(n, rng) + "\n")
        out.write("</quiz>\n")


# --- the phases, each run in a child process ---------------------------------------------


def phase_stream(path: Path) -> int:
    from studyhall.interchange import moodle_xml

    with path.open("rb") as stream:
        return sum(1 for _ in moodle_xml.parse(stream, path.name))


def phase_tree(path: Path) -> int:
    import defusedxml.ElementTree as SafeET

    tree = SafeET.parse(str(path), forbid_dtd=True)
    return sum(1 for q in tree.getroot().iter("question") if q.get("type") != "category")


def phase_import_single(path: Path) -> int:
    """The baseline: every new question through `create_question`, one at a time."""
    from uuid import UUID

    from studyhall.bank import service
    from studyhall.interchange import importer

    async def one_at_a_time(ctx, org, track_id, contents) -> list[UUID]:  # type: ignore[no-untyped-def]
        return [
            (await service.create_question(ctx, org, track_id, content)).question.id
            for content in contents
        ]

    importer.bank.create_questions = one_at_a_time  # type: ignore[attr-defined]
    return phase_import(path)


def phase_import(path: Path) -> int:
    from studyhall.cli import main

    main(
        ["import", str(path), "--org", "demo", "--track", "spark-delta-associate",
         "--author", "author@demo.example.org", "--format", "moodle_xml"],
        standalone_mode=False,
    )  # fmt: skip
    return int(path.stem.split("-")[-1])


PHASES = {
    "stream": phase_stream,
    "tree": phase_tree,
    "import-single": phase_import_single,
    "import": phase_import,
}


def child(phase: str, path: Path) -> None:
    started = time.perf_counter()
    count = PHASES[phase](path)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"phase": phase, "count": count, "seconds": seconds, "peak_kib": peak_kib}))


def run_phase(phase: str, path: Path, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", phase, str(path)],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--skip-single", action="store_true", help="leave the baseline out")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    folder = Path(tempfile.mkdtemp(prefix="studyhall-bench-import-"))
    try:
        path = folder / f"moodle-{args.questions}.xml"
        write_file(path, args.questions)
        size = path.stat().st_size
        print(f"file: {args.questions} questions, {size / 2**20:.1f} MiB of Moodle XML")
        print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
              f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
        phases = ["stream", "tree", "import-single", "import"]
        if args.skip_single:
            phases.remove("import-single")
        results = {}
        for phase in phases:
            # Each import gets a database of its own, with nothing but the demo content.
            env = {
                **os.environ,
                "STUDYHALL_DATA_DIR": str(folder / f"data-{phase}"),
                "STUDYHALL_LOG_LEVEL": "WARNING",
                "STUDYHALL_ARGON2_MEMORY_KIB": "1024",
            }
            env.pop("STUDYHALL_DATABASE_URL", None)
            if phase.startswith("import"):
                studyhall = str(Path(sys.executable).parent / "studyhall")
                subprocess.run([studyhall, "demo"], env=env, check=True, capture_output=True)
            results[phase] = run_phase(phase, path, env)
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        print(f"{'phase':13} {'questions':>9} {'seconds':>8} {'q/s':>8} {'peak MiB':>9}")
        for phase, r in results.items():
            print(
                f"{phase:13} {int(r['count']):>9} {r['seconds']:>8.2f} "
                f"{r['count'] / r['seconds']:>8.0f} {r['peak_kib'] / 1024:>9.1f}"
            )
        stream, tree = results["stream"], results["tree"]
        print(f"peak memory, streaming / whole tree: {stream['peak_kib'] / tree['peak_kib']:.2f}")
        ratio = stream["seconds"] / results["import"]["seconds"]
        print(f"import speed / streaming read speed: {ratio:.3f}")
        if "import-single" in results:
            single = results["import-single"]
            speedup = single["seconds"] / results["import"]["seconds"]
            print(f"import speed, bulk / one at a time: {speedup:.1f}x")
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
