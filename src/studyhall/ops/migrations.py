"""Schema migrations: Alembic is the only way the schema is made, in tests too."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from studyhall.kit.db import ensure_sqlite_directory


class MigrationRefused(RuntimeError):
    """A migration that would lose data stops before changing anything, saying what to do."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "studyhall:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


# Made by raw SQL in migrations and deliberately absent from the ORM metadata (full-text search:
# SQLite's FTS5 table with its shadow tables and the integer key it is joined on, PostgreSQL's
# stored tsvector and its index; SQLite's bank generations, which triggers keep). Comparing the
# models with the database must not report them, or autogenerate would propose dropping them.
FTS5_SHADOW_SUFFIXES = ("_data", "_idx", "_content", "_docsize", "_config")
MIGRATION_ONLY_TABLES = frozenset(
    {
        "question_search",
        *(f"question_search{suffix}" for suffix in FTS5_SHADOW_SUFFIXES),
        "question_bank_generations",
    }
)
MIGRATION_ONLY_INDEXES = frozenset({"ix_questions_search_rowid", "ix_questions_search_vector"})
MIGRATION_ONLY_COLUMNS = frozenset({("questions", "search_rowid"), ("questions", "search_vector")})


def include_object(
    _obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's `include_object` hook: leave the migration-only objects out of comparisons."""
    if not reflected or compare_to is not None:
        return True
    if type_ == "table":
        return name not in MIGRATION_ONLY_TABLES
    if type_ == "index":
        return name not in MIGRATION_ONLY_INDEXES
    if type_ == "column":
        return (getattr(_obj.table, "name", None), name) not in MIGRATION_ONLY_COLUMNS
    return True


def upgrade(url: str, revision: str = "head") -> None:
    ensure_sqlite_directory(url)
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


VERSION_TABLE = "alembic_version"


def _read_revision(connection: Connection) -> str | None:
    # Read Alembic's table directly: MigrationContext would log two INFO lines on every
    # readiness probe.
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    found = list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    if len(found) > 1:  # one history, one head: more means someone branched the migrations
        raise RuntimeError(f"the database records several schema heads: {', '.join(found)}")
    return found[0] if found else None


async def current_revision(engine: AsyncEngine) -> str | None:
    """The schema's revision, or None for a database no migration has touched."""
    async with engine.connect() as connection:
        return await connection.run_sync(_read_revision)


async def at_head(engine: AsyncEngine) -> bool:
    return await current_revision(engine) == head_revision()
