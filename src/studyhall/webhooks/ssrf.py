"""Server-side request forgery guard: a webhook must not reach into the server's own network.

The host is resolved and every address it resolves to is checked: loopback, private,
link-local (cloud metadata at 169.254.169.254), multicast, reserved and unspecified addresses
are refused unless the operator allows them (STUDYHALL_WEBHOOK_ALLOW_PRIVATE, for a receiver
on the same machine, and for the tests).

The check happens when the connection is made, in the HTTP client's network layer
(`GuardedBackend`): the name is resolved once, every address is checked, and the socket is
opened to exactly a checked address. So a name whose DNS answer changes between a check and
the connection (DNS rebinding) cannot slip through. The request still names the host: the
Host header, TLS SNI and certificate check are all for the name in the URL.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx


class UnsafeURL(ValueError):
    """The URL may not be called; the message says why (shown to the endpoint's admins)."""


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv4 as the C library's inet_aton reads it (and so getaddrinfo, and so every delivery):
# one to four parts, each decimal, octal (leading 0) or hexadecimal (0x) — `127.1`,
# `2130706433`, `0x7f000001` and `0177.0.0.1` are all 127.0.0.1.
_LEGACY_IPV4 = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$", re.IGNORECASE)


def literal_address(host: str) -> Address | None:
    """The address a host written as an address stands for, read as the system's resolver
    reads it; None for a name. Creation and delivery both read hosts through this, so what
    one refuses the other refuses too."""
    name = host.rstrip(".")  # a fully qualified name's root dot changes nothing
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        pass
    if not _LEGACY_IPV4.match(name):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(name))
    except OSError:
        raise UnsafeURL(f"{host} is not a valid address") from None


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
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        raise UnsafeURL("loopback addresses are not allowed")
    address = literal_address(host)
    if address is None:
        return  # a name: resolved and checked at each delivery
    if _refused(address):
        raise UnsafeURL(f"{address} is not a public address")


# (host, port) -> the addresses to connect to. DNS is outside our control; tests pass a fake.
Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(sockaddr[0]) for *_, sockaddr in infos))


class Refused(httpcore.ConnectError):
    """The connection was not made: the address is not public (or the name did not resolve).
    httpx reports it as a ConnectError whose message starts with "refused:"."""


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network layer with the SSRF check where the socket is opened."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolve: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.allow_private = allow_private
        self._resolve = resolve
        self._inner = inner or httpcore.AnyIOBackend()

    async def addresses(self, host: str, port: int) -> list[str]:
        """The checked addresses of `host` (resolved once, here)."""
        try:
            literal = literal_address(host)
        except UnsafeURL as exc:
            raise Refused(f"refused: {exc}") from exc
        if literal is not None:
            found = [str(literal)]
        else:
            try:
                found = await self._resolve(host, port)
            except OSError as exc:
                raise Refused(f"refused: {host} does not resolve ({exc.strerror or exc})") from exc
        if not found:
            raise Refused(f"refused: {host} does not resolve")
        if not self.allow_private:
            for address in found:
                if _refused(ipaddress.ip_address(address)):
                    raise Refused(f"refused: {host} resolves to {address}, not a public address")
        return found

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        error: Exception | None = None
        for address in await self.addresses(host, port):
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc  # the next checked address, as a browser would
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise Refused("refused: webhooks do not call Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on a connection pool whose network layer is `GuardedBackend`.

    httpx takes no network backend of its own, so the pool it made is replaced by an equal
    one that has it (tests/webhooks pin this: a refused address never gets a connection).
    """

    def __init__(
        self,
        *,
        allow_private: bool,
        resolve: Resolver = system_resolver,
        verify: ssl.SSLContext | bool = True,
        network: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        super().__init__(verify=verify, trust_env=False)
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(
                allow_private=allow_private, resolve=resolve, inner=network
            ),
        )


def guarded_client(
    *,
    allow_private: bool,
    resolve: Resolver = system_resolver,
    verify: ssl.SSLContext | bool = True,
    network: httpcore.AsyncNetworkBackend | None = None,
) -> httpx.AsyncClient:
    """An HTTP client for URLs organisations chose: no redirects, no proxies from the
    environment, every connection checked by the SSRF guard (`network` is the layer below
    the guard; tests pass one)."""
    transport = GuardedTransport(
        allow_private=allow_private, resolve=resolve, verify=verify, network=network
    )
    return httpx.AsyncClient(transport=transport, follow_redirects=False, trust_env=False)
