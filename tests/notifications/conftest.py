from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notifications.smtp import Mailbox, smtp_server


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """The suite's local SMTP server and the messages it received."""
    with smtp_server() as box:
        yield box
