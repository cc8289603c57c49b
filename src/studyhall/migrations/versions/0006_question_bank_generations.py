"""search: bank generations that every question write changes; FTS5 prefix indexes (SQLite)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 14:30:00.000000

On SQLite a search counts its facets and filters over a per-process index of the
organisation's questions (`bank.search_index`) instead of joining and grouping every match in
SQL (docs/benchmarks.md, "Search"). That index is good for as long as the organisation's
`question_bank_generations.token` is unchanged. Triggers give the token a new random value
whenever a question is added, removed or changes a column the index holds, and whenever a tag
is added or removed, so every writer (the services, imports, bulk inserts, another process on
the same file) invalidates it. A random value rather than a counter: a rolled-back write's
number can never come back as a later write's, so an index built inside a transaction that was
rolled back is never taken for a committed bank.

The FTS5 table also gets prefix indexes (prefixes of 2 to 6 characters): the last word of every
search is a prefix, and without them FTS5 merges the lists of every word that starts so, twice a
search (once to list the matches, once to rank them). Its words, sizes and so bm25's scores stay
exactly as they were; the index grows by about a fifth.

PostgreSQL keeps counting in SQL and gets nothing here. The table is not in the ORM metadata
(see `studyhall.ops.migrations`); `bank.search_index` names it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What the index holds of a question; a change to any other column (text, versions, times of
# edit) leaves the counts as they were.
INDEXED_COLUMNS = "org_id, track_id, topic_id, type, status, difficulty, created_at, search_rowid"


def _bump(org: str) -> str:
    # `org` names a column of the trigger's row (new.org_id or old.org_id), never input.
    return (
        "INSERT INTO question_bank_generations (org_id, token) "  # noqa: S608
        f"VALUES ({org}, random()) ON CONFLICT (org_id) DO UPDATE SET token = excluded.token;"
    )


TRIGGERS = {
    "question_bank_insert": f"AFTER INSERT ON questions BEGIN {_bump('new.org_id')} END",
    "question_bank_update": f"AFTER UPDATE OF {INDEXED_COLUMNS} ON questions "
    f"BEGIN {_bump('old.org_id')} {_bump('new.org_id')} END",
    "question_bank_delete": f"AFTER DELETE ON questions BEGIN {_bump('old.org_id')} END",
    "question_tags_insert": f"AFTER INSERT ON question_tags BEGIN {_bump('new.org_id')} END",
    "question_tags_update": "AFTER UPDATE ON question_tags "
    f"BEGIN {_bump('old.org_id')} {_bump('new.org_id')} END",
    "question_tags_delete": f"AFTER DELETE ON question_tags BEGIN {_bump('old.org_id')} END",
}


def _full_text(options: str) -> None:
    # 0003's triggers name the table, not its definition: they go on working.
    op.execute("DROP TABLE question_search")
    op.execute(
        "CREATE VIRTUAL TABLE question_search USING fts5(search_text, org_id, "
        "content = 'questions', content_rowid = 'search_rowid', "
        f"tokenize = 'porter unicode61 remove_diacritics 2'{options})"
    )
    op.execute("INSERT INTO question_search (question_search) VALUES ('rebuild')")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _full_text(", prefix = '2 3 4 5 6'")
    op.execute(
        "CREATE TABLE question_bank_generations "
        "(org_id CHAR(32) NOT NULL PRIMARY KEY, token INTEGER NOT NULL)"
    )
    # Every organisation starts with a token, banks already written included.
    op.execute(
        "INSERT INTO question_bank_generations (org_id, token) SELECT id, random() FROM orgs"
    )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE question_bank_generations")
    _full_text("")
