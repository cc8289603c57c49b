"""The SSRF guard acts where the connection is made: a name is resolved once, every address
checked, and the socket opened to exactly a checked address — so a DNS answer that changes
between a check and the connection (DNS rebinding) cannot reach the server's own network,
while the request keeps naming the host (Host header).

DNS and the internet are outside our control, so the tests use a fake resolver and a fake
internet below the guard (it connects loopback for real and refuses anything else, as a
sandbox without internet would); the receiver is a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import ssl
import subprocess
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest

from studyhall.webhooks import ssrf
from tests.webhooks.receiver import receiver

PUBLIC = "93.184.215.14"


class FakeResolver:
    """Answers each lookup of a name with the next of its scripted answers (the last one
    again when they run out), and counts lookups."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        script = self.answers[host]
        return script.pop(0) if len(script) > 1 else script[0]


class FakeInternet(httpcore.AsyncNetworkBackend):
    """Real connections to loopback; any other address is unreachable. Records every
    address a connection was asked for."""

    def __init__(self) -> None:
        self.real = httpcore.AnyIOBackend()
        self.asked: list[str] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.asked.append(host)
        if host != "127.0.0.1":
            raise httpcore.ConnectError(f"{host} is unreachable (no internet in the tests)")
        return await self.real.connect_tcp(host, port, timeout=timeout)

    async def sleep(self, seconds: float) -> None:
        await self.real.sleep(seconds)


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


async def test_a_name_rebound_to_loopback_after_a_public_answer_never_reaches_it() -> None:
    with receiver() as inside:
        port = port_of(inside.url)
        # The attacker's DNS: public when first asked (what a check before the call would
        # see), loopback when asked again (what a second lookup to connect would get).
        resolve = FakeResolver({"rebind.example": [[PUBLIC], ["127.0.0.1"]]})
        internet = FakeInternet()
        async with ssrf.guarded_client(
            allow_private=False, resolve=resolve, network=internet
        ) as client:
            with pytest.raises(httpx.ConnectError, match="unreachable"):
                await client.post(f"http://rebind.example:{port}/hooks", content=b"{}")
            # One lookup for the connection, and it went to the address that was checked.
            assert (resolve.lookups, internet.asked) == (["rebind.example"], [PUBLIC])

            # The next try gets the loopback answer: refused before any connection.
            with pytest.raises(httpx.ConnectError, match=r"refused: .*127\.0\.0\.1"):
                await client.post(f"http://rebind.example:{port}/hooks", content=b"{}")
            assert internet.asked == [PUBLIC]
        assert inside.received == []


async def test_every_address_a_name_has_must_be_public() -> None:
    with receiver() as inside:
        resolve = FakeResolver({"mixed.example": [[PUBLIC, "10.0.0.7"]]})
        internet = FakeInternet()
        async with ssrf.guarded_client(
            allow_private=False, resolve=resolve, network=internet
        ) as client:
            with pytest.raises(httpx.ConnectError, match=r"refused: .*10\.0\.0\.7"):
                await client.post(f"http://mixed.example:{port_of(inside.url)}/", content=b"")
        assert internet.asked == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/",
        "http://[::1]:{port}/",
        "http://169.254.169.254:{port}/",
        "http://0x7f000001:{port}/",
        "http://127.1:{port}/",
    ],
)
async def test_literal_private_addresses_are_refused_at_connect(url: str) -> None:
    internet = FakeInternet()
    async with ssrf.guarded_client(allow_private=False, network=internet) as client:
        with pytest.raises(httpx.ConnectError, match="refused"):
            await client.post(url.format(port=9), content=b"")
    assert internet.asked == []


async def test_localhost_by_the_systems_own_resolver_is_refused() -> None:
    async with ssrf.guarded_client(allow_private=False) as client:
        with pytest.raises(httpx.ConnectError, match=r"refused: localhost resolves to"):
            await client.post("http://localhost:9/hook", content=b"")


async def test_an_allowed_private_receiver_is_called_by_its_name() -> None:
    with receiver() as inside:
        port = port_of(inside.url)
        resolve = FakeResolver({"crm.internal": [["127.0.0.1"]]})
        async with ssrf.guarded_client(allow_private=True, resolve=resolve) as client:
            response = await client.post(f"http://crm.internal:{port}/hooks", content=b"{}")
        assert response.status_code == 204
        # The connection went to the checked address; the request still names the host.
        assert [r.headers["Host"] for r in inside.received] == [f"crm.internal:{port}"]


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throw-away CA and a certificate for `receiver.test`, made with the openssl command."""
    folder = tmp_path_factory.mktemp("tls")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)  # noqa: S603, S607

    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=CA")
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=receiver")
    (folder / "san.cnf").write_text("subjectAltName=DNS:receiver.test\n")
    sign = ["-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-extfile", "san.cnf"]
    openssl("x509", "-req", "-in", "server.csr", *sign, "-out", "server.pem", "-days", "1")
    return folder


@contextmanager
def tls_receiver(certificates: Path) -> Iterator[tuple[int, list[str | None]]]:
    """An HTTPS server on 127.0.0.1 answering 204; yields its port and the SNI names seen."""
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates / "server.pem", certificates / "server.key")

    def note_sni(_socket: Any, name: str | None, _context: Any) -> None:
        names.append(name)

    context.sni_callback = note_sni

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], names
    finally:
        server.shutdown()
        server.server_close()


async def test_tls_is_checked_against_the_name_not_the_address(certificates: Path) -> None:
    trust = ssl.create_default_context(cafile=str(certificates / "ca.pem"))
    resolve = FakeResolver({"receiver.test": [["127.0.0.1"]], "other.test": [["127.0.0.1"]]})
    with tls_receiver(certificates) as (port, names):
        async with ssrf.guarded_client(allow_private=True, resolve=resolve, verify=trust) as c:
            response = await c.post(f"https://receiver.test:{port}/hooks", content=b"{}")
            assert response.status_code == 204
            assert names == ["receiver.test"]  # SNI carries the name
            # Same address, a name the certificate does not cover: refused by TLS.
            with pytest.raises(httpx.ConnectError, match="certificate verify failed"):
                await c.post(f"https://other.test:{port}/hooks", content=b"{}")
