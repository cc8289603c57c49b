"""Migration 0008 (sealed webhook secrets): secrets stored plain before it pass through both
ways untouched, and going back below it is refused, with the reason, while an endpoint's
secret is sealed (the schema before cannot read it), rather than losing the endpoint."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from studyhall.ops import migrations
from tests.conftest import ENGINES, fresh_database_url
from tests.factories import org_with_a_webhook

PLAIN = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


async def secrets_and_revision(url: str) -> tuple[list[str], str | None]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT secret FROM webhook_endpoints"))
            secrets = [secret for (secret,) in rows]
        return secrets, await migrations.current_revision(engine)
    finally:
        await engine.dispose()


async def set_secrets(url: str, secret: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE webhook_endpoints SET secret = :s"), {"s": secret}
            )
    finally:
        await engine.dispose()


@pytest.mark.parametrize("engine", ENGINES)
async def test_0008_keeps_plain_secrets_and_refuses_to_go_back_over_sealed_ones(
    engine: str, tmp_path: Path
) -> None:
    url = await fresh_database_url(engine, tmp_path)
    # At 0008 itself: what lies above it is other migrations' business (and how far a refused
    # downgrade across several of them rolls back differs between the engines).
    await asyncio.to_thread(migrations.upgrade, url, "0008")
    await org_with_a_webhook(url)
    (sealed,), _ = await secrets_and_revision(url)

    with pytest.raises(migrations.MigrationRefused, match="remove those endpoints first"):
        await asyncio.to_thread(migrations.downgrade, url, "0007")
    assert await secrets_and_revision(url) == ([sealed], "0008")  # nothing lost, nothing moved

    await set_secrets(url, PLAIN)  # as the code before 0008 stored it
    await asyncio.to_thread(migrations.downgrade, url, "0007")
    assert await secrets_and_revision(url) == ([PLAIN], "0007")
    await asyncio.to_thread(migrations.upgrade, url, "0008")
    assert await secrets_and_revision(url) == ([PLAIN], "0008")
