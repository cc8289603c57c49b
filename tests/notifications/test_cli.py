"""`studyhall email test`: the operator's check of the SMTP settings."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from studyhall.cli import main
from tests.notifications.smtp import Mailbox, free_port


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("STUDYHALL_"):
            monkeypatch.delenv(name)


def _env(port: int) -> dict[str, str]:
    return {
        "STUDYHALL_SMTP_HOST": "127.0.0.1",
        "STUDYHALL_SMTP_PORT": str(port),
        "STUDYHALL_SMTP_STARTTLS": "false",
        "STUDYHALL_PUBLIC_URL": "https://study.example.org",
    }


def test_a_test_email_reaches_the_smtp_server(mailbox: Mailbox) -> None:
    result = CliRunner().invoke(
        main, ["email", "test", "--to", "ops@example.org"], env=_env(mailbox.port)
    )
    assert result.exit_code == 0, result.output
    assert "Sent through 127.0.0.1" in result.output
    (message,) = mailbox.messages
    assert message["To"] == "ops@example.org"
    assert "https://study.example.org" in str(message.get_body(preferencelist=("plain",)))


def test_an_smtp_server_that_is_down_is_said_in_one_line() -> None:
    result = CliRunner().invoke(
        main, ["email", "test", "--to", "ops@example.org"], env=_env(free_port())
    )
    assert result.exit_code == 1
    assert "not sent: the SMTP server could not be reached" in result.output
    assert "Traceback" not in result.output


def test_with_email_off_it_says_which_setting_to_set() -> None:
    result = CliRunner().invoke(main, ["email", "test", "--to", "ops@example.org"])
    assert result.exit_code == 1
    assert "STUDYHALL_SMTP_HOST" in result.output
