"""search: covering indexes, an org-aware FTS5 table keyed by an integer, a stored tsvector

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:30:00.000000

What searching a 20,000-question bank spent its time on (docs/benchmarks.md, "Search"), and
what this migration does about it:

- Browsing and facet counts read the organisation's wide `questions` rows (the search text is
  stored inline). Covering indexes let the page, the facet counts and the tag counts read an
  index only; the single-column `org_id` indexes they supersede are dropped.
- SQLite: the FTS5 table held a second copy of every search text, and its `question_id
  UNINDEXED` column meant reading that copy for every match just to learn the question's id.
  It becomes an external-content table over `questions`, keyed by a stable integer
  (`questions.search_rowid`: a table without an INTEGER PRIMARY KEY may renumber its own rowids
  on VACUUM), with the organisation as a column so a match is restricted to one organisation
  inside the full-text index. The old update and delete triggers also scanned the whole FTS5
  table (`WHERE question_id = old.id` on an unindexed column); the new ones delete by rowid.
- PostgreSQL: ranking recomputed `to_tsvector` of every match's text; a stored generated
  `search_vector` column with its own GIN index replaces the expression index.

Neither `search_rowid`, `search_vector` nor the full-text objects are in the ORM metadata
(see `studyhall.ops.migrations.include_object`); `bank.search_query` names them.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Newest-first pages, facet counts and tag counts, each served by one index (both engines).
BTREE_INDEXES = {
    "ix_questions_org_created": ("questions", ["org_id", "created_at", "id"]),
    "ix_questions_org_facets": (
        "questions",
        ["org_id", "topic_id", "type", "status", "difficulty", "track_id", "id"],
    ),
    "ix_question_tags_org_tag": ("question_tags", ["org_id", "tag", "question_id"]),
}
SUPERSEDED = {  # an index on org_id alone: the new ones start with org_id
    "ix_questions_org_id": ("questions", ["org_id"]),
    "ix_question_tags_org_id": ("question_tags", ["org_id"]),
}

OLD_SQLITE_TRIGGERS = ("question_search_insert", "question_search_update", "question_search_delete")

SQLITE_UP = [
    "ALTER TABLE questions ADD COLUMN search_rowid INTEGER",
    # Numbered oldest first; new questions take the next number (see the insert trigger).
    "UPDATE questions SET search_rowid = numbered.n FROM (SELECT id, row_number() OVER "
    "(ORDER BY created_at, id) AS n FROM questions) AS numbered WHERE numbered.id = questions.id",
    # Unique, and covering what the facets need of a match: a match's row is never read.
    "CREATE UNIQUE INDEX ix_questions_search_rowid ON questions "
    "(search_rowid, org_id, topic_id, type, status, difficulty, track_id, id)",
    "CREATE VIRTUAL TABLE question_search USING fts5(search_text, org_id, "
    "content = 'questions', content_rowid = 'search_rowid', "
    "tokenize = 'porter unicode61 remove_diacritics 2')",
    "INSERT INTO question_search (question_search) VALUES ('rebuild')",
    # A trigger cannot set NEW before the insert: the number is given right after it, in the
    # same statement, and only then is the text indexed. Nothing ever changes it afterwards.
    "CREATE TRIGGER question_search_insert AFTER INSERT ON questions BEGIN "
    "UPDATE questions SET search_rowid = "
    "(SELECT coalesce(max(search_rowid), 0) + 1 FROM questions) "
    "WHERE rowid = new.rowid AND search_rowid IS NULL; "
    "INSERT INTO question_search (rowid, search_text, org_id) "
    "SELECT search_rowid, search_text, org_id FROM questions WHERE rowid = new.rowid; END",
    # An external-content table forgets a row only when told its old values exactly.
    "CREATE TRIGGER question_search_update AFTER UPDATE OF search_text, org_id ON questions "
    "BEGIN "
    "INSERT INTO question_search (question_search, rowid, search_text, org_id) "
    "VALUES ('delete', old.search_rowid, old.search_text, old.org_id); "
    "INSERT INTO question_search (rowid, search_text, org_id) "
    "VALUES (new.search_rowid, new.search_text, new.org_id); END",
    "CREATE TRIGGER question_search_delete AFTER DELETE ON questions BEGIN "
    "INSERT INTO question_search (question_search, rowid, search_text, org_id) "
    "VALUES ('delete', old.search_rowid, old.search_text, old.org_id); END",
]

# 0002's design, restored on the way down (and refilled from the questions).
SQLITE_DOWN = [
    "CREATE VIRTUAL TABLE question_search USING fts5("
    "search_text, question_id UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2')",
    "INSERT INTO question_search (search_text, question_id) SELECT search_text, id FROM questions",
    "CREATE TRIGGER question_search_insert AFTER INSERT ON questions BEGIN "
    "INSERT INTO question_search (search_text, question_id) VALUES (new.search_text, new.id); END",
    "CREATE TRIGGER question_search_update AFTER UPDATE OF search_text ON questions BEGIN "
    "DELETE FROM question_search WHERE question_id = old.id; "
    "INSERT INTO question_search (search_text, question_id) VALUES (new.search_text, new.id); END",
    "CREATE TRIGGER question_search_delete AFTER DELETE ON questions BEGIN "
    "DELETE FROM question_search WHERE question_id = old.id; END",
]

POSTGRES_UP = [
    "ALTER TABLE questions ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', search_text)) STORED",
    "CREATE INDEX ix_questions_search_vector ON questions USING gin (search_vector)",
    "DROP INDEX ix_questions_search",
]
POSTGRES_DOWN = [
    "CREATE INDEX ix_questions_search ON questions USING gin (to_tsvector('english', search_text))",
    "DROP INDEX ix_questions_search_vector",
    "ALTER TABLE questions DROP COLUMN search_vector",
]


def _drop_old_sqlite_search() -> None:
    for name in OLD_SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS question_search")


def upgrade() -> None:
    for name, (table, columns) in BTREE_INDEXES.items():
        op.create_index(name, table, columns)
    for name, (table, _) in SUPERSEDED.items():
        op.drop_index(name, table_name=table)
    if op.get_bind().dialect.name == "sqlite":
        _drop_old_sqlite_search()
        statements = SQLITE_UP
    else:
        statements = POSTGRES_UP
    for statement in statements:
        op.execute(statement)
    # Statistics for the new indexes: without them SQLite's planner may read every tag of the
    # organisation against the set of matches instead of looking up the matches' tags.
    op.execute("ANALYZE")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _drop_old_sqlite_search()
        op.execute("DROP INDEX ix_questions_search_rowid")
        op.execute("ALTER TABLE questions DROP COLUMN search_rowid")
        statements = SQLITE_DOWN
    else:
        statements = POSTGRES_DOWN
    for statement in statements:
        op.execute(statement)
    for name, (table, columns) in SUPERSEDED.items():
        op.create_index(name, table, columns)
    for name, (table, _) in BTREE_INDEXES.items():
        op.drop_index(name, table_name=table)
