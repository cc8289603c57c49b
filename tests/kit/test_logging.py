"""Request ids and logs: every answer can be traced to its log lines, and no log line holds a
password, a token, an email address or a client's address."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import structlog
from fastapi import FastAPI

from studyhall.kit.logging import configure_logging, redact, scrub
from tests.factories import PASSWORD

PROBLEM = "application/problem+json"
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
EMAIL_SHAPED = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
CLIENT_ADDRESS = "203.0.113.7"  # the `client` fixture's peer address


# --- request ids -----------------------------------------------------------------------------


async def test_a_request_without_an_id_gets_a_fresh_one(client: httpx.AsyncClient) -> None:
    first, second = await client.get("/healthz"), await client.get("/healthz")
    assert GENERATED_ID.match(first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_a_well_formed_incoming_id_is_echoed_on_success_and_on_problems(
    client: httpx.AsyncClient,
) -> None:
    ok = await client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c.trace_01"})
    assert ok.headers["x-request-id"] == "lb-7f3a9c.trace_01"
    missing = await client.get("/no/such/page", headers={"X-Request-ID": "lb-7f3a9c.trace_02"})
    assert missing.status_code == 404
    assert missing.headers["x-request-id"] == "lb-7f3a9c.trace_02"
    assert missing.json()["request_id"] == "lb-7f3a9c.trace_02"


@pytest.mark.parametrize(
    "incoming",
    [
        "short",
        "has spaces in it",
        "x" * 129,
        "../../etc/passwd",
        "<script>alert(1)</script>",
        '{"level":"critical"}',
    ],
)
async def test_a_malformed_incoming_id_is_replaced(
    client: httpx.AsyncClient, incoming: str
) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": incoming})
    assert GENERATED_ID.match(response.headers["x-request-id"])


# --- redaction, piece by piece ---------------------------------------------------------------


def test_redact_drops_values_under_sensitive_keys_at_any_depth() -> None:
    event = redact(
        None,
        "info",
        {
            "event": "login",
            "password": PASSWORD,
            "old_password": PASSWORD,
            "Authorization": "Bearer shs_abcdefghijklmnopqrstuvwxyz",
            "x-api-key": "anything",
            "invite_token": "anything",
            "client_ip": CLIENT_ADDRESS,
            "payload": {"email": "ada@example.com", "nested": [{"secret": "hush", "n": 3}]},
            "status": 401,
        },
    )
    assert event == {
        "event": "login",
        "password": "[redacted]",
        "old_password": "[redacted]",
        "Authorization": "[redacted]",
        "x-api-key": "[redacted]",
        "invite_token": "[redacted]",
        "client_ip": "[redacted]",
        "payload": {"email": "[redacted]", "nested": [{"secret": "[redacted]", "n": 3}]},
        "status": 401,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("duplicate key (email)=(Ada.L+x@mail-1.example.co.uk)", "duplicate key (email)=([email])"),
        ("session shs_Zq3kX9fT-2Jb_8yQwErTyUiOp1 ended", "session [token] ended"),
        ("key shk_0123456789abcdefABCDEF used", "key [token] used"),
        ("invitation shi_0123456789abcdefABCDEF", "invitation [token]"),
        ("header was bearer abc.def.ghi", "header was Bearer [token]"),
        ("nothing to hide here: 42 items", "nothing to hide here: 42 items"),
    ],
)
def test_scrub_masks_emails_and_tokens_inside_any_text(text: str, expected: str) -> None:
    assert scrub(text) == expected


# --- end to end: the log of a real session ---------------------------------------------------


@pytest.fixture
def log_output(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Logging configured as `studyhall serve` configures it, writing into a buffer."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, structlog.get_config()
    access_disabled = logging.getLogger("uvicorn.access").disabled
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stderr", buffer)
    configure_logging("INFO", json=True)
    yield buffer
    root.handlers[:], level, config = saved
    root.setLevel(level)
    structlog.configure(**config)
    logging.getLogger("uvicorn.access").disabled = access_disabled


def _lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]  # each line is JSON


def _access_line(lines: list[dict[str, Any]], response: httpx.Response) -> dict[str, Any]:
    matching = [
        line
        for line in lines
        if line["logger"] == "studyhall.access"
        and line["request_id"] == response.headers["x-request-id"]
    ]
    assert len(matching) == 1, f"one access line per request, found {matching}"
    return matching[0]


async def test_a_session_leaves_json_lines_with_request_ids_and_no_secrets(
    app: FastAPI, client: httpx.AsyncClient, log_output: io.StringIO
) -> None:
    email, invitee = "ada.lovelace@example.com", "bea.invitee@example.com"

    @app.get("/test-only/crash")
    async def crash() -> None:
        # What a careless error message looks like: the database echoing the row it refused.
        raise RuntimeError(f"duplicate key (email)=({email}); session {token}")

    responses = [
        await client.post(
            "/api/v1/auth/register",
            json={"email": email, "password": PASSWORD, "display_name": "Ada"},
        ),
        await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}),
        await client.post(
            "/api/v1/auth/login", json={"email": email, "password": "wrong-horse-battery-9"}
        ),
    ]
    assert [r.status_code for r in responses] == [202, 200, 401]
    token = responses[1].json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    responses += [
        await client.get("/api/v1/me", headers=auth),
        await client.post(
            "/api/v1/orgs", json={"slug": "analytical", "name": "Engines"}, headers=auth
        ),
    ]
    invitation = await client.post(
        "/api/v1/orgs/analytical/invitations",
        json={"email": invitee, "role": "author"},
        headers=auth,
    )
    key = await client.post(
        "/api/v1/orgs/analytical/api-keys",
        json={"name": "ci", "scopes": ["org:read"]},
        headers=auth,
    )
    # A token in a URL (someone pasted it into a path) must not reach the log either.
    pasted = await client.get(f"/api/v1/invitations/{invitation.json()['token']}")
    crashed = await client.get("/test-only/crash", headers={"X-Request-ID": "crash-report-0001"})
    responses += [invitation, key, pasted, crashed]
    assert [r.status_code for r in responses[3:]] == [200, 201, 201, 201, 404, 500]

    output = log_output.getvalue()
    lines = _lines(log_output)
    for response in responses:
        line = _access_line(lines, response)
        assert line["status"] == response.status_code
        assert line["level"] == "info"
    assert _access_line(lines, crashed)["route"] == "/test-only/crash"
    assert _access_line(lines, pasted)["route"] == "unmatched"

    for secret in (
        PASSWORD,
        "wrong-horse-battery-9",
        token,
        invitation.json()["token"],
        key.json()["secret"],
        email,
        invitee,
        CLIENT_ADDRESS,
    ):
        assert secret not in output, f"{secret!r} leaked into the log"
    assert not EMAIL_SHAPED.search(output), EMAIL_SHAPED.search(output)


async def test_a_crash_is_a_500_problem_for_the_client_and_a_traceback_in_the_log(
    app: FastAPI, client: httpx.AsyncClient, log_output: io.StringIO
) -> None:
    @app.post("/test-only/crash")
    async def crash() -> None:
        raise ZeroDivisionError("the scorer divided by an empty blueprint")

    response = await client.post("/test-only/crash", headers={"X-Request-ID": "crash-report-0002"})

    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["x-request-id"] == "crash-report-0002"
    assert response.headers["x-content-type-options"] == "nosniff"
    body = response.json()
    assert body["type"] == "urn:studyhall:problem:internal"
    assert body["request_id"] == "crash-report-0002"
    for leak in ("Traceback", "ZeroDivisionError", "empty blueprint", ".py"):
        assert leak not in response.text

    crashes = [line for line in _lines(log_output) if line["event"] == "unhandled error"]
    assert len(crashes) == 1, "logged once, not again by the server"
    assert crashes[0]["level"] == "error"
    assert crashes[0]["request_id"] == "crash-report-0002"
    assert crashes[0]["error_type"] == "ZeroDivisionError"
    assert crashes[0]["exception"].startswith("Traceback (most recent call last)")
    assert "ZeroDivisionError: the scorer divided by an empty blueprint" in crashes[0]["exception"]
