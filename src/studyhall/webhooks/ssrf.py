"""Server-side request forgery guard: a webhook must not reach into the server's own network.

The host is resolved and every address it resolves to is checked: loopback, private,
link-local (cloud metadata at 169.254.169.254), multicast, reserved and unspecified addresses
are refused unless the operator allows them (STUDYHALL_WEBHOOK_ALLOW_PRIVATE, for a receiver
on the same machine, and for the tests).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit


class UnsafeURL(ValueError):
    """The URL may not be called; the message says why (shown to the endpoint's admins)."""


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def check_syntax(url: str) -> str:
    """The URL's host, if the URL is an absolute http(s) URL without credentials."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("use an http:// or https:// URL")
    if not parts.hostname:
        raise UnsafeURL("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeURL("credentials in the URL are not allowed; use the signing secret")
    return parts.hostname


def check_literal(url: str, *, allow_private: bool) -> None:
    """At registration: refuse a literal private address or `localhost` at once."""
    host = check_syntax(url)
    if allow_private:
        return
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        raise UnsafeURL("loopback addresses are not allowed")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return  # a name: resolved and checked at each delivery
    if _refused(address):
        raise UnsafeURL(f"{address} is not a public address")


async def check_resolved(url: str, *, allow_private: bool) -> None:
    """Before each delivery: every address the host resolves to must be public."""
    host = check_syntax(url)
    if allow_private:
        return
    port = urlsplit(url).port or (443 if url.startswith("https") else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise UnsafeURL(f"the host does not resolve ({exc.strerror or exc})") from exc
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        if _refused(address):
            raise UnsafeURL(f"{host} resolves to {address}, which is not a public address")
