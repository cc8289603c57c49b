"""Email: a message rendered from a pair of Jinja templates (text and HTML), sent by SMTP.

Sending uses the standard library's `smtplib` in a thread: it speaks STARTTLS, implicit TLS
and AUTH, is as well kept as Python itself, and a job worker can spare a thread for the
second or so a send takes, so an async client would add a dependency and buy nothing here.

Addresses are personal data: nothing here logs one, and a failed send raises `MailNotSent`
with the SMTP reply code and the exception's kind, never the server's text (which often
repeats the address).
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from studyhall.config import Settings

_templates = Environment(
    loader=PackageLoader("studyhall.notifications", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,  # a missing value is a bug to see in tests, not a blank line
    trim_blocks=True,
    lstrip_blocks=True,
)


class MailNotSent(Exception):
    """The SMTP server could not be reached or refused the message; the job retries."""


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str
    html: str


def compose(template: str, *, to: str, subject: str, **context: Any) -> Message:
    """Render `templates/email/<template>.txt` and `.html` with `context` (and `subject`)."""
    context["subject"] = subject
    text = _templates.get_template(f"email/{template}.txt").render(context)
    html = _templates.get_template(f"email/{template}.html").render(context)
    return Message(to=to, subject=subject, text=text, html=html)


def as_email(message: Message, sender: str) -> EmailMessage:
    """A multipart/alternative message: plain text first, HTML as the richer part."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=_domain_of(sender))
    email.set_content(message.text)
    email.add_alternative(message.html, subtype="html")
    return email


def _domain_of(sender: str) -> str:
    address = sender.rsplit("<", 1)[-1].rstrip(">")
    return address.rsplit("@", 1)[-1] or "localhost"


async def send(settings: Settings, message: Message) -> None:
    """Deliver `message` through the configured SMTP server, or raise `MailNotSent`."""
    if not settings.email_enabled:
        raise MailNotSent("email is off: STUDYHALL_SMTP_HOST is not set")
    email = as_email(message, settings.smtp_from)
    await asyncio.to_thread(_send_blocking, settings, email)


def _send_blocking(settings: Settings, email: EmailMessage) -> None:
    assert settings.smtp_host is not None
    context = ssl.create_default_context()
    timeout = settings.smtp_timeout_seconds
    try:
        smtp: smtplib.SMTP
        if settings.smtp_ssl:
            smtp = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        with smtp:
            if settings.smtp_starttls and not settings.smtp_ssl:
                smtp.starttls(context=context)
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password or "")
            smtp.send_message(email)
    except smtplib.SMTPResponseException as exc:
        raise MailNotSent(
            f"the SMTP server refused: {type(exc).__name__} {exc.smtp_code}"
        ) from None
    except smtplib.SMTPRecipientsRefused:
        raise MailNotSent("the SMTP server refused the recipient") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailNotSent(f"the SMTP server could not be reached: {type(exc).__name__}") from None
