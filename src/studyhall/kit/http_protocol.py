"""uvicorn's HTTP protocol, answering requests it cannot parse with problem+json.

A request line or headers too long for the HTTP parser (a query string of a megabyte), or
malformed, never reach the app: uvicorn answers them itself with a text/plain 400. Every
other error a client sees is problem+json (RFC 9457), so this one is too. The parser's
limits stay as they are; only the answer changes.
"""

from __future__ import annotations

import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from studyhall.kit.errors import PROBLEM_JSON, BadRequest


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    """`uvicorn.run(..., http=ProblemHttpToolsProtocol)`."""

    def send_400_response(self, msg: str) -> None:
        """The parser refused the request: answer problem+json and close, as uvicorn does."""
        problem = BadRequest(
            "The request could not be read: its request line or headers are malformed or "
            "too long (a query string may not be this long; send large input in a body)."
        )
        body = json.dumps(problem.body().model_dump(exclude_none=True)).encode()
        content = [b"HTTP/1.1 400 Bad Request\r\n"]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: " + PROBLEM_JSON.encode() + b"\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()
