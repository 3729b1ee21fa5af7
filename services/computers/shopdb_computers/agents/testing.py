"""For tests: a small HTTP server speaking the agents' protocol (shopdb_computers.agents.protocol), for
running the real agents against it and keeping what they sent.

It is the transport only: every answer comes from `protocol.handle`, every refusal from a
ProblemError rendered as problem+json, Basic authentication from `shopdb_contract.basicauth`.

    with AgentServer(authenticator) as server:
        run(["fusioninventory-agent", "--server", server.url, ...])
        server.records, server.exchanges
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from shopdb_computers.agents import limits, protocol
from shopdb_computers.agents.decode import too_large
from shopdb_contract.auth import Authenticator
from shopdb_contract.basicauth import authenticate_basic
from shopdb_contract.errors import PROBLEM_CONTENT_TYPE, ProblemError


@dataclass
class Exchange:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0
    answer: bytes = b""
    kind: str = ""


@dataclass
class AgentServer:
    authenticator: Authenticator | None = None
    service: str = "computers"
    exchanges: list[Exchange] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)

    def __enter__(self) -> AgentServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                exchange = Exchange("POST", self.path, dict(self.headers.items()), b"")
                server.exchanges.append(exchange)
                try:
                    if length > limits.MAX_BODY_BYTES:
                        raise too_large("the request body", limits.MAX_BODY_BYTES)
                    exchange.body = self.rfile.read(length)
                    if server.authenticator is not None:
                        asyncio.run(authenticate_basic(
                            server.authenticator, self.headers.get("Authorization"), service=server.service,
                        ))
                    reply = protocol.handle(exchange.body, exchange.headers)
                except ProblemError as exc:
                    problem = exc.to_problem(instance=self.path)
                    headers = problem.pop("headers", None) or {}
                    self.answer(exchange, exc.status, PROBLEM_CONTENT_TYPE, orjson.dumps(problem), headers)
                    return
                server.records.extend(reply.records)
                exchange.kind = reply.kind
                self.answer(exchange, reply.status, reply.content_type, reply.body, {})

            def answer(self, exchange: Exchange, status: int, content_type: str, body: bytes, headers: dict[str, str]) -> None:
                exchange.status, exchange.answer = status, body
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
