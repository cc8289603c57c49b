"""ETags from row revisions, and `If-Match` checks for edits that could race."""

from __future__ import annotations

from studyhall.kit.errors import PreconditionFailed


def etag(revision: int) -> str:
    return f'"r{revision}"'


def check_if_match(if_match: str | None, revision: int) -> None:
    """Refuse (412) an edit made against a revision that is no longer current.

    No header means the caller accepts last-writer-wins; `*` matches anything.
    """
    if if_match is None:
        return
    offered = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" not in offered and etag(revision) not in offered:
        raise PreconditionFailed(
            f"This was changed since you read it (now {etag(revision)}); reload and retry.",
            errors=[("header.if-match", "does not match the current ETag")],
        )
