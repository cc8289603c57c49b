"""Registering and changing webhook endpoints: validation names the field, the SSRF guard
refuses the server's own network, every change is audited, secrets are shown once."""

from __future__ import annotations

import ipaddress

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from studyhall.webhooks import signing, ssrf
from tests.factories import Person, make_org, read_audit_log, sign_up

HOOKS = "/api/v1/orgs/acme/webhooks"


@pytest.fixture
async def owner(client: httpx.AsyncClient) -> Person:
    person = await sign_up(client, "owner")
    await make_org(client, person, slug="acme")
    return person


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8000/hook", "127.0.0.1 is not a public address"),
        ("http://localhost/hook", "loopback addresses are not allowed"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254 is not a public address"),
        ("http://10.1.2.3/hook", "10.1.2.3 is not a public address"),
        ("http://[::1]/hook", "::1 is not a public address"),
        ("http://[::ffff:192.168.0.1]/hook", "::ffff:c0a8:1 is not a public address"),
        ("ftp://example.com/hook", "use an http:// or https:// URL"),
        (
            "https://user:pw@example.com/hook",
            "credentials in the URL are not allowed; use the signing secret",
        ),
    ],
)
async def test_urls_into_the_servers_own_network_are_refused(
    client: httpx.AsyncClient, owner: Person, url: str, reason: str
) -> None:
    response = await client.post(HOOKS, json={"url": url, "event_types": ["*"]}, headers=owner.auth)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"field": "body.url", "message": reason}]


# Shorthand, decimal, hexadecimal and octal IPv4, and a name with its root dot: the system's
# resolver (and so every delivery) reads them all as the server's own network.
LEGACY_LOOPBACK = [
    "http://127.1/hook",
    "http://2130706433/hook",
    "http://0x7f000001/hook",
    "http://0177.0.0.1/hook",
    "http://0x7f.1/hook",
    "http://localhost./hook",
    "http://LOCALHOST/hook",
    "http://api.localhost./hook",
    "http://[::1]/hook",
    "http://[0:0:0:0:0:0:0:1]/hook",
    "http://0/hook",
]


@pytest.mark.parametrize("url", LEGACY_LOOPBACK)
async def test_legacy_spellings_of_loopback_are_refused_at_creation(
    client: httpx.AsyncClient, owner: Person, url: str
) -> None:
    response = await client.post(HOOKS, json={"url": url, "event_types": ["*"]}, headers=owner.auth)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "body.url"
    assert "not a public address" in error["message"] or "loopback" in error["message"]
    listed = await client.get(HOOKS, headers=owner.auth)
    assert listed.json() == []


@pytest.mark.parametrize("url", LEGACY_LOOPBACK)
def test_creation_and_delivery_read_a_host_the_same_way(url: str) -> None:
    """One function reads the host for both checks: what delivery would connect to is what
    creation refuses."""
    host = ssrf.check_syntax(url)
    address = ssrf.literal_address(host)
    assert address is None or ssrf._refused(address)
    with pytest.raises(ssrf.UnsafeURL):
        ssrf.check_literal(url, allow_private=False)


def test_public_names_and_addresses_still_pass_at_creation() -> None:
    for url in ("https://example.com/hook", "http://93.184.215.14/", "https://1.1.1.1/x"):
        ssrf.check_literal(url, allow_private=False)
    assert ssrf.literal_address("example.com") is None
    assert str(ssrf.literal_address("0x5db8d70e")) == "93.184.215.14"


def test_only_public_addresses_pass() -> None:
    for public in ("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "1.1.1.1"):
        assert not ssrf._refused(ipaddress.ip_address(public))
    for private in (
        "0.0.0.0",  # noqa: S104 (an address checked, not bound)
        "100.64.0.1",
        "172.16.0.1",
        "fd00::1",
        "fe80::1",
        "224.0.0.1",
    ):
        assert ssrf._refused(ipaddress.ip_address(private))


async def test_unknown_event_types_are_named(client: httpx.AsyncClient, owner: Person) -> None:
    response = await client.post(
        HOOKS,
        json={"url": "https://hooks.example.com/x", "event_types": ["member.added", "nope"]},
        headers=owner.auth,
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "body.event_types.1", "message": "unknown event type 'nope'"}
    ]


async def test_endpoint_life_cycle_is_audited_and_the_secret_shown_once(
    client: httpx.AsyncClient, owner: Person
) -> None:
    made = await client.post(
        HOOKS,
        json={"url": "https://hooks.example.com/x", "event_types": ["member.added"]},
        headers=owner.auth,
    )
    assert made.status_code == 201, made.text
    hook = made.json()
    assert signing.valid_secret(hook["secret"])
    listed = await client.get(HOOKS, headers=owner.auth)
    assert "secret" not in listed.json()[0]
    changed = await client.patch(
        f"{HOOKS}/{hook['id']}",
        json={"event_types": ["*"], "description": "all of it"},
        headers=owner.auth,
    )
    assert changed.json()["event_types"] == ["*"]
    nulled = await client.patch(f"{HOOKS}/{hook['id']}", json={"url": None}, headers=owner.auth)
    assert nulled.status_code == 422
    rotated = await client.post(f"{HOOKS}/{hook['id']}/rotate-secret", headers=owner.auth)
    assert rotated.json()["secret"] != hook["secret"]
    deleted = await client.delete(f"{HOOKS}/{hook['id']}", headers=owner.auth)
    assert deleted.status_code == 204
    assert (await client.get(f"{HOOKS}/{hook['id']}", headers=owner.auth)).status_code == 404
    actions = [
        e["action"] for e in await read_audit_log(client, "acme", owner.auth, action="webhook.")
    ]
    assert actions == [
        "webhook.deleted",
        "webhook.secret_rotated",
        "webhook.updated",
        "webhook.created",
    ]
    for event in await read_audit_log(client, "acme", owner.auth, action="webhook."):
        assert hook["secret"] not in str(event)
        assert rotated.json()["secret"] not in str(event)


def test_signatures_match_the_standard_webhooks_reference() -> None:
    secret = signing.new_secret()
    body = b'{"type":"member.added","data":{}}'
    ours = signing.sign(secret, "msg_1", 1_700_000_000, body)
    theirs = Webhook(secret).sign(
        "msg_1",
        __import__("datetime").datetime.fromtimestamp(1_700_000_000, tz=__import__("datetime").UTC),
        body.decode(),
    )
    assert ours == theirs
