"""`studyhall demo` gives the demo learner a plan, and `studyhall plan show` prints it."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from studyhall.cli import main
from studyhall.ops import migrations


def test_the_demo_learner_has_a_plan_that_plan_show_prints(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    migrations.upgrade(url)
    env = {
        "STUDYHALL_DATABASE_URL": url,
        "STUDYHALL_DATA_DIR": str(tmp_path),
        "STUDYHALL_ARGON2_MEMORY_KIB": "256",
        "STUDYHALL_ARGON2_TIME_COST": "1",
    }
    runner = CliRunner()
    made = runner.invoke(main, ["demo"], env=env)
    assert made.exit_code == 0, made.output
    learner = ["--user", "learner@demo.example.org"]
    shown = runner.invoke(
        main, ["plan", "show", *learner, "--track", "spark-delta-associate"], env=env
    )
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0].startswith("Plan revision 1")
    assert "Why: The demo's starting plan." in lines
    assert any(line.startswith("Goal: ") and "target 75 %" in line for line in lines)
    days = [line for line in lines if re.match(r"^\d{4}-\d{2}-\d{2} \w{3}$", line)]
    blocks = [line for line in lines if re.match(r"^  \d{2}:\d{2} \w+ +\d+ min  planned", line)]
    assert days
    assert len(blocks) >= len(days)
    assert all(" Sun" not in day for day in days)  # the demo week has no Sunday time
    other = runner.invoke(main, ["plan", "show", *learner, "--track", "sql-foundations"], env=env)
    assert other.exit_code == 1
    assert "no goal for the track sql-foundations" in other.output
    nobody = runner.invoke(
        main, ["plan", "show", "--user", "nobody@example.com", "--track", "x"], env=env
    )
    assert nobody.exit_code == 1
    assert "no account" in nobody.output
