"""Settings: read from STUDYHALL_* variables, and unsafe in production means refusing to start."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from studyhall.config import DEVELOPMENT_SECRET_KEY, ConfigurationError, Environment, Settings

GOOD_SECRET = "k" * 32


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what a test sets: none of the developer's own STUDYHALL_* variables, no cwd data."""
    for name in list(os.environ):
        if name.startswith("STUDYHALL_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_development_runs_with_the_defaults() -> None:
    settings = Settings()
    assert settings.env is Environment.DEVELOPMENT
    assert settings.secret_key == DEVELOPMENT_SECRET_KEY
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert not settings.is_production


@pytest.mark.parametrize("secret", [None, DEVELOPMENT_SECRET_KEY])
def test_production_refuses_the_default_secret(
    monkeypatch: pytest.MonkeyPatch, secret: str | None
) -> None:
    monkeypatch.setenv("STUDYHALL_ENV", "production")
    if secret is not None:
        monkeypatch.setenv("STUDYHALL_SECRET_KEY", secret)
    with pytest.raises(ConfigurationError, match="STUDYHALL_SECRET_KEY must be set"):
        Settings()


def test_production_refuses_a_short_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDYHALL_ENV", "production")
    monkeypatch.setenv("STUDYHALL_SECRET_KEY", GOOD_SECRET[:-1])
    with pytest.raises(ConfigurationError, match="STUDYHALL_SECRET_KEY must be at least 32"):
        Settings()


def test_production_accepts_a_long_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDYHALL_ENV", "production")
    monkeypatch.setenv("STUDYHALL_SECRET_KEY", GOOD_SECRET)
    settings = Settings()
    assert settings.is_production
    assert settings.secret_key == GOOD_SECRET


def test_settings_come_from_prefixed_variables_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "STUDYHALL_HOST": "0.0.0.0",  # noqa: S104 (a value under test, not a bind)
        "STUDYHALL_PORT": "9123",
        "STUDYHALL_LOG_LEVEL": "warning",
        "STUDYHALL_LOG_JSON": "false",
        "STUDYHALL_LOGIN_MAX_FAILURES_PER_ACCOUNT": "3",
        "STUDYHALL_TRUSTED_PROXY_HOPS": "1",
        "STUDYHALL_ARGON2_MEMORY_KIB": "19456",
        # Unprefixed names, as a platform might set them, are not ours.
        "PORT": "1",
        "SECRET_KEY": "not-ours",
        "DATABASE_URL": "postgresql+asyncpg://someone-else/db",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert (settings.host, settings.port) == ("0.0.0.0", 9123)  # noqa: S104
    assert settings.log_level == "warning"
    assert settings.log_json is False
    assert settings.login_max_failures_per_account == 3
    assert settings.trusted_proxy_hops == 1
    assert settings.argon2_memory_kib == 19456
    assert settings.secret_key == DEVELOPMENT_SECRET_KEY
    assert settings.is_sqlite


def test_an_invalid_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDYHALL_PORT", "70000")
    with pytest.raises(ValidationError, match="port"):
        Settings()


def test_the_default_database_is_sqlite_inside_the_data_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STUDYHALL_DATA_DIR", str(tmp_path / "var" / "studyhall"))
    settings = Settings()
    assert settings.resolved_database_url == (
        f"sqlite+aiosqlite:///{tmp_path / 'var' / 'studyhall' / 'studyhall.db'}"
    )
    assert settings.is_sqlite


def test_the_default_data_directory_is_data_under_the_working_directory(tmp_path: Path) -> None:
    # An absolute path in the URL: the process may change directory later without moving it.
    settings = Settings()
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'data'}/studyhall.db"


def test_a_database_url_replaces_the_data_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+asyncpg://studyhall:pw@db.internal/studyhall"
    monkeypatch.setenv("STUDYHALL_DATABASE_URL", url)
    settings = Settings()
    assert settings.resolved_database_url == url
    assert not settings.is_sqlite


@pytest.mark.parametrize("name", ["studyhall-prod", "a.b", "", "x" * 65, "ünï"])
def test_a_queue_name_huey_would_change_is_refused(name: str) -> None:
    # huey keeps only letters, digits and `_` of a Redis queue's name: `a-b` would share `ab`'s.
    with pytest.raises(ValidationError, match="redis_prefix"):
        Settings(redis_prefix=name)
    assert Settings(redis_prefix="studyhall_prod_2").redis_prefix == "studyhall_prod_2"


def test_previous_secret_keys_are_a_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDYHALL_PREVIOUS_SECRET_KEYS", '["old-key-one", "old-key-two"]')
    assert Settings().previous_secret_keys == ["old-key-one", "old-key-two"]


@pytest.mark.parametrize("field", ["secret_key", "previous_secret_keys"])
def test_a_key_that_is_not_text_is_refused_at_start(field: str) -> None:
    # An environment variable holding bytes that are not UTF-8 arrives as lone surrogates.
    key = "a-key-from-a-file-with-a-stray-byte-\udcff-in-it"
    value: object = key if field == "secret_key" else [key]
    with pytest.raises(ConfigurationError, match="must be UTF-8 text"):
        Settings(**{field: value})  # type: ignore[arg-type]
