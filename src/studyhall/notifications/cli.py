"""`studyhall email test --to ADDRESS`: an operator checks the SMTP settings at once."""

from __future__ import annotations

import asyncio

import click

from studyhall.notifications import mail
from studyhall.ops.command_line import load_settings


@click.group()
def email() -> None:
    """Email (reminders): check the STUDYHALL_SMTP_* settings."""


@email.command("test")
@click.option("--to", "to", required=True, help="Where to send the test email.")
def send_test(to: str) -> None:
    """Send a test email now, without the job queue, and say what the SMTP server answered."""
    settings = load_settings()
    if not settings.email_enabled:
        raise click.ClickException("email is off: set STUDYHALL_SMTP_HOST (docs/operators.md)")
    message = mail.compose(
        "operator_test", to=to, subject="Studyhall test email", base_url=settings.base_url
    )
    try:
        asyncio.run(mail.send(settings, message))
    except mail.MailNotSent as exc:
        raise click.ClickException(f"not sent: {exc}") from None
    click.echo(f"Sent through {settings.smtp_host}:{settings.smtp_port}.")
