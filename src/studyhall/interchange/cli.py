"""`studyhall import` and `studyhall export`: question banks in and out of a track."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from studyhall.kit.context import Context
from studyhall.ops.command_line import in_unit_of_work, load_settings

IMPORT_FORMATS = ("gift", "moodle_xml", "aiken", "qti", "csv", "json")
EXPORT_FORMATS = ("qti", "moodle_xml", "gift", "csv", "json")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", required=True, help="The organisation's slug.")
@click.option("--track", "track_slug", required=True, help="The track's slug.")
@click.option(
    "--author", required=True, help="Email of the member (with questions:write) credited."
)
@click.option(
    "--format", "fmt", type=click.Choice(IMPORT_FORMATS), help="[default: told from the file]"
)
@click.option("--dry-run", is_flag=True, help="Report what would happen; write nothing.")
@click.option("--partial", is_flag=True, help="Write the good questions even if some fail.")
@click.option(
    "--on-duplicate",
    type=click.Choice(("skip", "update")),
    default="skip",
    show_default=True,
    help="A question with the same stem and answers as one in the track.",
)
@click.option("--default-topic", help="Topic (path or id) for categories matching none.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the per-question report here as JSON.",
)
def import_questions(
    file: Path,
    org_slug: str,
    track_slug: str,
    author: str,
    fmt: str | None,
    dry_run: bool,
    partial: bool,
    on_duplicate: str,
    default_topic: str | None,
    report_path: Path | None,
) -> None:
    """Import the questions of FILE (GIFT, Moodle XML, Aiken, QTI 2.1/3.0 item or package,
    CSV or Studyhall JSON) into a track, as drafts by --author.

    Nothing is written if any question is refused, unless --partial. See
    docs/import-export.md for how categories become topics.
    """
    import json

    from studyhall.bank.storage import LocalMediaStorage
    from studyhall.interchange import commands, formats, importer
    from studyhall.interchange.items import FormatError

    settings = load_settings()
    size = file.stat().st_size
    if size > settings.import_max_bytes:
        raise click.ClickException(
            f"{file.name} is {size} bytes; at most {settings.import_max_bytes} may be imported "
            "(STUDYHALL_IMPORT_MAX_BYTES)"
        )
    try:
        chosen = formats.ImportFormat(fmt) if fmt else formats.detect_file(file, file.name)
    except FormatError as exc:
        raise click.ClickException(f"{exc.where}: {exc.reason}; give --format") from exc
    options = importer.Options(
        dry_run=dry_run,
        partial=partial,
        on_duplicate="update" if on_duplicate == "update" else "skip",
        max_items=settings.import_max_items,
    )

    shown = _ImportProgress()

    async def work(ctx: Context) -> importer.Report:
        return await commands.import_file(
            ctx, org_slug=org_slug, track_slug=track_slug, author_email=author, path=file,
            fmt=chosen, options=options, default_topic=default_topic,
            storage=LocalMediaStorage(settings.data_dir / "media"), progress=shown,
        )  # fmt: skip

    click.echo(f"importing {file.name} ({chosen.value}) into {org_slug}/{track_slug}", err=True)
    try:
        report = in_unit_of_work(settings, work)
    finally:
        shown.close()
    if report_path is not None:
        report_path.write_text(
            json.dumps([o.as_dict() for o in report.outcomes], indent=2, ensure_ascii=False)
        )
    _print_import_summary(report, dry_run=dry_run, partial=partial)


class _ImportProgress:
    """A count while questions are checked, then a bar while the planned ones are written."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.done = 0

    async def checked(self, count: int) -> None:
        click.echo(f"\rchecked {count} questions", nl=False, err=True)

    async def planned(self, total: int) -> None:
        click.echo(f"\rchecked every question; {total} to write", err=True)
        if total:
            self.bar = click.progressbar(length=total, label="writing", file=sys.stderr)
            self.bar.__enter__()

    async def written(self, count: int) -> None:
        if self.bar is not None:
            self.bar.update(count - self.done)
            self.done = count

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _print_import_summary(report: Any, *, dry_run: bool, partial: bool) -> None:
    counts = report.counts()
    if report.file_error:
        raise click.ClickException(f"the file was refused: {report.file_error}")
    problems = [o for o in report.outcomes if o.action in ("reject", "skip") or o.warnings]
    if problems:
        click.echo(f"{'where':40} {'action':7} reason")
        for outcome in problems[:50]:
            why = "; ".join(filter(None, [outcome.reason, *outcome.warnings]))
            click.echo(f"{outcome.where[:40]:40} {outcome.action:7} {why}")
        if len(problems) > 50:
            click.echo(f"... and {len(problems) - 50} more (see --report)")
    click.echo(f"{'':10}{'create':>8}{'update':>8}{'skip':>8}{'reject':>8}")
    click.echo(
        f"{'questions':10}{counts['create']:>8}{counts['update']:>8}{counts['skip']:>8}"
        f"{counts['reject']:>8}"
    )
    if dry_run:
        click.echo("dry run: nothing was written")
    elif report.written:
        click.echo(f"written: {counts['create']} created, {counts['update']} updated (drafts)")
    else:
        raise click.ClickException(
            f"{counts['reject']} questions were refused, so nothing was written "
            "(fix them, or use --partial to write the others)"
        )


@click.command("export")
@click.option("--org", "org_slug", required=True, help="The organisation's slug.")
@click.option("--track", "track_slug", required=True, help="The track's slug.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    default="json",
    show_default=True,
    help="qti is a QTI 3.0 zip package.",
)
@click.option("--topic", help="Only this topic (path or id) and its subtopics.")
@click.option("--tag", help="Only questions with this tag.")
@click.option("--q", "query", help="Only questions the bank's search finds for this.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write [default: stdout].",
)
def export_questions(
    org_slug: str,
    track_slug: str,
    fmt: str,
    topic: str | None,
    tag: str | None,
    query: str | None,
    output: Path | None,
) -> None:
    """Export a track's questions (head versions; retired ones left out)."""
    from studyhall.bank.storage import LocalMediaStorage
    from studyhall.interchange import commands, formats

    settings = load_settings()

    async def work(ctx: Context) -> Any:
        return await commands.export_file(
            ctx, org_slug=org_slug, track_slug=track_slug, fmt=formats.ExportFormat(fmt),
            dialect="sqlite" if settings.is_sqlite else "postgresql", topic=topic, tag=tag,
            q=query, storage=LocalMediaStorage(settings.data_dir / "media"),
        )  # fmt: skip

    found = in_unit_of_work(settings, work)
    if output is None:
        sys.stdout.buffer.write(found.data)
    else:
        output.write_bytes(found.data)
    for why in found.skipped:
        click.echo(f"left out: {why}", err=True)
    if found.filename.endswith(".zip") and fmt != "qti":
        click.echo(f"the questions show media: written as a zip ({found.filename})", err=True)
    click.echo(f"exported {found.count} questions", err=True)
