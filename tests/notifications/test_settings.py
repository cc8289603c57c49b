"""The email and public-address settings, as an operator writes them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from studyhall.config import ConfigurationError, Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("STUDYHALL_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_email_is_off_without_a_host_and_on_with_one(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not Settings().email_enabled
    monkeypatch.setenv("STUDYHALL_SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("STUDYHALL_SMTP_PORT", "465")
    monkeypatch.setenv("STUDYHALL_SMTP_SSL", "true")
    monkeypatch.setenv("STUDYHALL_SMTP_STARTTLS", "false")
    settings = Settings()
    assert settings.email_enabled
    assert (settings.smtp_port, settings.smtp_ssl, settings.smtp_starttls) == (465, True, False)


def test_ssl_and_starttls_together_are_refused_naming_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STUDYHALL_SMTP_SSL", "true")
    with pytest.raises(ConfigurationError, match=r"STUDYHALL_SMTP_SSL.*STUDYHALL_SMTP_STARTTLS"):
        Settings()


def test_links_use_the_public_url_else_the_listening_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().base_url == "http://127.0.0.1:8000"
    monkeypatch.setenv("STUDYHALL_PUBLIC_URL", "https://study.example.org/")
    assert Settings().base_url == "https://study.example.org"
    monkeypatch.setenv("STUDYHALL_PUBLIC_URL", "https://example.org/studyhall")
    assert Settings().base_url == "https://example.org/studyhall"


def test_empty_values_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDYHALL_PUBLIC_URL", "")
    monkeypatch.setenv("STUDYHALL_SMTP_HOST", "")
    settings = Settings()
    assert settings.base_url == "http://127.0.0.1:8000"
    assert not settings.email_enabled


@pytest.mark.parametrize("url", ["study.example.org", "ftp://x.org", "https://x.org/?a=1", " "])
def test_a_public_url_that_is_no_web_address_is_refused(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("STUDYHALL_PUBLIC_URL", url)
    with pytest.raises(ValidationError, match="public_url"):
        Settings()
