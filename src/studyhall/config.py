"""Typed settings, read from `STUDYHALL_*` environment variables.

Production refuses to start with a default secret: a forgotten variable must be loud, not a
silently forgeable deployment.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET_KEY = "development-only-insecure-secret-key"  # noqa: S105 (named as such)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class ConfigurationError(RuntimeError):
    """The settings cannot run safely; the message says which variable to fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STUDYHALL_", extra="ignore")

    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    database_url: str | None = None
    secret_key: str = DEVELOPMENT_SECRET_KEY
    # Keys replaced by `secret_key`, as a JSON list: what they sealed (webhook signing secrets)
    # still opens until housekeeping has sealed it again under the new key (kit/sealing.py).
    previous_secret_keys: list[str] = Field(default_factory=list)
    log_level: str = "INFO"
    log_json: bool = True

    # argon2id cost; the defaults are RFC 9106's second recommendation (64 MiB, 3 passes).
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=64 * 1024, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)

    session_ttl_hours: int = Field(default=24 * 14, ge=1)
    invitation_ttl_hours: int = Field(default=24 * 7, ge=1)
    # Login throttling: failures counted inside a sliding window.
    login_window_seconds: int = Field(default=15 * 60, ge=1)
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=30, ge=1)
    # Registration throttling, in the same window: attempts naming one email address, and
    # attempts from one client address (a classroom behind one NAT registers together).
    registration_max_per_email: int = Field(default=5, ge=1)
    registration_max_per_address: int = Field(default=30, ge=1)
    # How many proxies in front of us may set X-Forwarded-For; 0 trusts none.
    trusted_proxy_hops: int = Field(default=0, ge=0)
    # Who may create organisations: anyone signed in, or only site administrators
    # (`studyhall createuser --admin`), for a server run by one institution.
    org_creation: Literal["anyone", "admins"] = "anyone"
    # The largest request body, in bytes, of every route that takes JSON or a form (uploads
    # have the two limits below); larger bodies get 413 before they are read.
    body_max_bytes: int = Field(default=1024 * 1024, ge=1024)
    # The largest image an upload may be (question media), in bytes.
    media_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    # Question files to import (see docs/import-export.md): the largest file, in bytes, and
    # the most questions one file may hold.
    import_max_bytes: int = Field(default=200 * 1024 * 1024, ge=1)
    import_max_items: int = Field(default=50_000, ge=1)
    # An exam notice's PDF read for its syllabus (see docs/authoring.md): the largest file, in
    # bytes, and the most pages read; a whole notice with annexes is rarely past 5 MB or 150.
    syllabus_pdf_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    syllabus_pdf_max_pages: int = Field(default=300, ge=1)

    # Background jobs (see docs/jobs.md).
    worker_concurrency: int = Field(default=4, ge=1, le=256)
    worker_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    worker_shutdown_seconds: float = Field(default=20.0, ge=0)
    job_lease_grace_seconds: float = Field(default=30.0, ge=0)
    # Cron expressions by schedule name, `off` to turn one off: {"backup": "0 2 * * *"}.
    job_schedules: dict[str, str] = Field(default_factory=dict)
    # Extra modules the worker imports for their `@task` job kinds.
    job_modules: list[str] = Field(default_factory=list)
    job_retention_days: int = Field(default=7, ge=1)
    # Scale-out (docs/events.md): with a Redis URL huey's job queue lives in Redis instead of
    # beside the database; the jobs table stays the record (state, statistics, dead letters).
    redis_url: str | None = None
    # The name of huey's job queue (in Redis: keys `huey.*.<name>`), one per installation.
    # Only the characters huey keeps in a Redis key: it would drop any other, and two
    # installations named `a-b` and `ab` would silently share one queue.
    redis_prefix: str = Field(default="studyhall", pattern=r"^[A-Za-z0-9_]{1,64}$")
    # How often each worker hands to huey again jobs whose worker died and, when huey's queue
    # is empty, jobs committed but never handed over (a crash between the two); seconds.
    job_sweep_seconds: float = Field(default=5.0, gt=0, le=300)
    backup_keep: int = Field(default=7, ge=1)
    # Webhooks: receivers on loopback or private addresses are refused unless allowed here.
    webhook_allow_private: bool = False
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_disable_after: int = Field(default=5, ge=1)

    # The address people reach this server at, for links in emails and the calendar feed
    # (`https://study.example.org`); unset, `http://<host>:<port>`.
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
    # Email (docs/operators.md#email): off unless a host is set. STARTTLS upgrades a plain
    # connection (port 587); SSL speaks TLS from the start (port 465).
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    smtp_from: str = "Studyhall <studyhall@localhost>"
    smtp_timeout_seconds: float = Field(default=15.0, gt=0, le=300)

    @model_validator(mode="after")
    def _refuse_keys_that_are_not_text(self) -> Settings:
        # Bytes that are not UTF-8 in an environment variable arrive as lone surrogates, and
        # every signature or seal made with the key would then fail at the first request.
        keys = [("STUDYHALL_SECRET_KEY", self.secret_key)]
        keys += [("STUDYHALL_PREVIOUS_SECRET_KEYS", key) for key in self.previous_secret_keys]
        for name, key in keys:
            try:
                key.encode()
            except UnicodeEncodeError:
                raise ConfigurationError(f"{name} must be UTF-8 text") from None
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.env is Environment.PRODUCTION:
            if self.secret_key == DEVELOPMENT_SECRET_KEY:
                raise ConfigurationError(
                    "STUDYHALL_SECRET_KEY must be set in production "
                    "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
                )
            if len(self.secret_key) < 32:
                raise ConfigurationError("STUDYHALL_SECRET_KEY must be at least 32 characters")
        return self

    @field_validator("public_url", "smtp_host", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `STUDYHALL_SMTP_HOST=` in a compose file means "no email", not a host named "".
        return None if value == "" else value

    @model_validator(mode="after")
    def _refuse_two_kinds_of_tls(self) -> Settings:
        if self.smtp_ssl and self.smtp_starttls:
            raise ConfigurationError(
                "STUDYHALL_SMTP_SSL and STUDYHALL_SMTP_STARTTLS exclude each other: SSL for "
                "port 465, STARTTLS for 587; set STUDYHALL_SMTP_STARTTLS=false with SSL"
            )
        return self

    @property
    def email_enabled(self) -> bool:
        """Email is sent only when an SMTP host is set; otherwise nothing is enqueued."""
        return bool(self.smtp_host)

    @property
    def base_url(self) -> str:
        """Where links in emails and feeds point, without a trailing slash."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @cached_property
    def resolved_database_url(self) -> str:
        """The database URL; SQLite inside the data directory unless one is given."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'studyhall.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION
