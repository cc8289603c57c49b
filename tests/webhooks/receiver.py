"""A real HTTP server on 127.0.0.1 that receives webhooks and answers as a test tells it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    status: int  # what we answered


@dataclass
class Receiver:
    url: str
    # Statuses to answer, in turn; when used up, `then` for every later request.
    script: list[int] = field(default_factory=list)
    then: int = 204
    received: list[Received] = field(default_factory=list)

    def successes(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.status < 300]


@contextmanager
def receiver(script: list[int] | None = None, then: int = 204) -> Iterator[Receiver]:
    state = Receiver(url="", script=list(script or []), then=then)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with lock:
                status = state.script.pop(0) if state.script else state.then
                state.received.append(Received(dict(self.headers.items()), body, status))
            self.send_response(status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
