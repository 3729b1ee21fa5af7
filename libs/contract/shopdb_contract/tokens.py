"""Local verification of core-signed access tokens (ADR-009).

Core signs short-lived JWTs with Ed25519 (`alg: EdDSA`) and names the key in the header's
`kid`. Services hold core's public keys (its JWKS), cached, and verify each token without
calling core. An unknown `kid` means core rotated its key: the JWKS is fetched again, at
most once per `min_refresh_seconds`, so a flood of forged kids cannot flood core.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import jwt

from shopdb_contract.errors import ServiceUnavailableError, UnauthorizedError

__all__ = ["ALGORITHMS", "AUDIENCE", "CLOCK_LEEWAY_SECONDS", "ISSUER", "KINDS", "ROLES",
    "AccessTokenVerifier", "bearer_problem", "jwks_from_file", "jwks_from_url", "JWKSFetch", "KeySet",
    "public_keys"]

log = logging.getLogger("shopdb.auth")

ISSUER = "shopdb"
AUDIENCE = "shopdb"
# Pinned: a token naming any other algorithm (`none`, HS256 keyed with the public key...) fails.
ALGORITHMS = ["EdDSA"]
ROLES = ("viewer", "editor", "admin")
KINDS = ("user", "token")
CLOCK_LEEWAY_SECONDS = 10

JWKSFetch = Callable[[], Awaitable[dict[str, Any]]]


def bearer_problem(detail: str) -> UnauthorizedError:
    return UnauthorizedError(detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def public_keys(jwks: dict[str, Any]) -> dict[str, Any]:
    """{kid: public key} for the Ed25519 keys of a JWKS; anything else is ignored."""
    keys = {}
    for entry in jwks.get("keys", []):
        if entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519" or not entry.get("kid") or "d" in entry:
            continue
        try:
            keys[entry["kid"]] = jwt.PyJWK(entry, algorithm="EdDSA").key
        except jwt.PyJWTError:
            log.warning("unusable key in JWKS", extra={"kid": entry.get("kid")})
    return keys


def jwks_from_url(url: str, *, timeout: float = 5.0) -> JWKSFetch:
    async def fetch() -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.get(url)
            response.raise_for_status()
            return response.json()

    return fetch


def jwks_from_file(path: Path) -> JWKSFetch:
    async def fetch() -> dict[str, Any]:
        return json.loads(Path(path).read_text(encoding="utf-8"))

    return fetch


class KeySet:
    """Core's public keys by kid, fetched on first use and again when a kid is unknown."""

    def __init__(self, fetch: JWKSFetch, *, min_refresh_seconds: float = 5.0) -> None:
        self._fetch = fetch
        self._min_refresh = min_refresh_seconds
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> Any | None:
        if kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            if kid not in self._keys and self._may_refresh():
                await self.refresh()
        return self._keys.get(kid)

    def _may_refresh(self) -> bool:
        return self._fetched_at is None or time.monotonic() - self._fetched_at >= self._min_refresh

    async def refresh(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            jwks = await self._fetch()
        except Exception as exc:  # core down or file missing: keep the keys we have
            log.warning("cannot fetch the JWKS", extra={"error": f"{type(exc).__name__}: {exc}"})
            if not self._keys:
                raise ServiceUnavailableError("cannot verify access tokens: core's signing keys are unreachable") from exc
            return
        self._keys = public_keys(jwks)


class AccessTokenVerifier:
    def __init__(self, keys: KeySet) -> None:
        self.keys = keys

    async def claims(self, token: str) -> dict[str, Any]:
        """The verified claims of `token`; a 401 problem naming what is wrong otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise bearer_problem("access token is malformed") from None
        if header.get("alg") not in ALGORITHMS:
            raise bearer_problem(f"access token algorithm {header.get('alg')!r} is not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise bearer_problem("access token names no signing key (kid)")
        key = await self.keys.key(kid)
        if key is None:
            raise bearer_problem("access token is signed with an unknown key")
        try:
            claims = jwt.decode(
                token, key, algorithms=ALGORITHMS, audience=AUDIENCE, issuer=ISSUER,
                leeway=CLOCK_LEEWAY_SECONDS, options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise bearer_problem("access token has expired") from None
        except jwt.InvalidAudienceError:
            raise bearer_problem("access token is meant for another audience") from None
        except jwt.InvalidIssuerError:
            raise bearer_problem("access token comes from another issuer") from None
        except jwt.InvalidSignatureError:
            raise bearer_problem("access token signature does not verify") from None
        except jwt.PyJWTError as exc:
            raise bearer_problem(f"access token is invalid: {exc}") from None
        if claims.get("role") not in ROLES or claims.get("kind", "user") not in KINDS:
            raise bearer_problem("access token carries no valid role")
        services = claims.get("services")
        if services is not None and not (isinstance(services, list) and all(isinstance(s, str) for s in services)):
            raise bearer_problem("access token has an invalid services list")
        return claims
