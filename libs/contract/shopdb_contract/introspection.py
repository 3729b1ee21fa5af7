"""API tokens: opaque strings that only core can check, answers cached for a bounded time.

An API token (`sdb_<id>_<secret>`) is stored hashed in core, so a service asks core's internal
introspection endpoint (authenticated with the site's registration secret) what it means. The
answer, active or not, is kept for `ttl` seconds: a revoked token stops working everywhere
within that time (SHOPDB_TOKEN_CACHE_SECONDS), and a collector pushing every second costs
core one question per TTL, not one per push.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from shopdb_contract.errors import ServiceUnavailableError

__all__ = ["API_TOKEN_PREFIX", "INTROSPECT_PATH", "CachedIntrospection", "Introspect", "introspect_over_http",
    "is_api_token"]

API_TOKEN_PREFIX = "sdb_"
INTROSPECT_PATH = "/internal/auth/introspect"
from shopdb_contract.wire import REGISTRATION_SECRET_HEADER as SECRET_HEADER  # noqa: E402

# What core answers: {"active": bool, "id", "name", "role", "services"}.
Introspect = Callable[[str], Awaitable[dict[str, Any]]]


def is_api_token(token: str) -> bool:
    return token.startswith(API_TOKEN_PREFIX)


def introspect_over_http(core_url: str, secret: str, *, timeout: float = 5.0) -> Introspect:
    client_holder: dict[str, httpx.AsyncClient] = {}

    async def introspect(token: str) -> dict[str, Any]:
        client = client_holder.get("client")
        if client is None or client.is_closed:
            client = client_holder["client"] = httpx.AsyncClient(
                base_url=core_url.rstrip("/"), timeout=timeout, headers={SECRET_HEADER: secret}
            )
        try:
            response = await client.post(INTROSPECT_PATH, json={"token": token})
        except httpx.TransportError as exc:
            raise ServiceUnavailableError("cannot check the API token: core is unreachable") from exc
        if response.status_code != 200:
            raise ServiceUnavailableError(f"cannot check the API token: core answered {response.status_code}")
        return response.json()

    return introspect


class CachedIntrospection:
    """Core's answers by token digest (never the token itself), each kept for `ttl` seconds."""

    def __init__(self, introspect: Introspect, *, ttl: float, max_entries: int = 10_000) -> None:
        self._introspect = introspect
        self.ttl = ttl
        self._max = max_entries
        self._answers: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()

    async def __call__(self, token: str) -> dict[str, Any]:
        digest = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        cached = self._answers.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        answer = await self._introspect(token)
        if self.ttl > 0:
            self._answers[digest] = (now + self.ttl, answer)
            self._answers.move_to_end(digest)
            while len(self._answers) > self._max:
                self._answers.popitem(last=False)
        return answer
