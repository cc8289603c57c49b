"""`studyhall import` and `studyhall export` on a real SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from studyhall.cli import main
from studyhall.ops import migrations

BANK = """$CATEGORY: Delta Lake tables/ACID transactions, time travel and MERGE

// [tag:delta]
Which command restores an older version? {=RESTORE ~VACUUM ~OPTIMIZE ####RESTORE rewinds.}

$CATEGORY: Spark architecture and execution model

Delta tables keep a transaction log.{T}

Write an essay {}
"""


def test_import_dry_run_all_or_nothing_partial_and_export(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    migrations.upgrade(url)
    env = {
        "STUDYHALL_DATABASE_URL": url,
        "STUDYHALL_DATA_DIR": str(tmp_path),
        "STUDYHALL_ARGON2_MEMORY_KIB": "256",
        "STUDYHALL_ARGON2_TIME_COST": "1",
    }
    runner = CliRunner()
    assert runner.invoke(main, ["demo"], env=env).exit_code == 0
    bank = tmp_path / "bank.gift"
    bank.write_text(BANK)
    who = [
        "--org",
        "demo",
        "--track",
        "spark-delta-associate",
        "--author",
        "author@demo.example.org",
    ]

    empty = tmp_path / "empty.gift"
    empty.write_text("")
    nothing = runner.invoke(main, ["import", str(empty), *who], env=env)
    assert nothing.exit_code == 1
    assert "the file is empty" in nothing.output

    dry = runner.invoke(main, ["import", str(bank), *who, "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "bank.gift:10" in dry.output
    assert "essay" in dry.output
    assert "dry run: nothing was written" in dry.output

    refused = runner.invoke(main, ["import", str(bank), *who], env=env)
    assert refused.exit_code == 1
    assert "1 questions were refused, so nothing was written" in refused.output

    report = tmp_path / "report.json"
    partial = runner.invoke(
        main, ["import", str(bank), *who, "--partial", "--report", str(report)], env=env
    )
    assert partial.exit_code == 0, partial.output
    assert "written: 2 created, 0 updated (drafts)" in partial.output
    assert [o["action"] for o in json.loads(report.read_text())] == ["create", "create", "reject"]

    out = tmp_path / "delta.gift"
    exported = runner.invoke(
        main,
        [
            "export",
            "--org",
            "demo",
            "--track",
            "spark-delta-associate",
            "--format",
            "gift",
            "--tag",
            "delta",
            "-o",
            str(out),
        ],
        env=env,
    )
    assert exported.exit_code == 0, exported.output
    assert "exported 1 questions" in exported.output
    assert "{=RESTORE ~VACUUM ~OPTIMIZE####RESTORE rewinds.}" in out.read_text()
