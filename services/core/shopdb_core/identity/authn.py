"""Core verifies its own tokens the way every service does, but reads keys and API tokens
from its database instead of over HTTP."""

from __future__ import annotations

from datetime import timedelta

from anyio import to_thread

from shopdb_contract.auth import Authenticator
from shopdb_contract.db import Database
from shopdb_contract.tokens import AccessTokenVerifier, KeySet
from shopdb_core.identity import keys, service
from shopdb_core.settings import CoreSettings


def token_lifetime(settings: CoreSettings) -> timedelta:
    return timedelta(minutes=settings.access_token_minutes)


def build_authenticator(database: Database, settings: CoreSettings) -> Authenticator:
    def read_jwks() -> dict:
        with database.session() as session:
            return keys.jwks(session, token_lifetime=token_lifetime(settings))

    def read_token(token: str) -> dict:
        # No cache in core: a revoked token stops at core at once (services: within their TTL).
        with database.transaction() as session:
            return service.introspect(session, token)

    async def fetch() -> dict:
        return await to_thread.run_sync(read_jwks)

    async def introspect(token: str) -> dict:
        return await to_thread.run_sync(read_token, token)

    # Core learns of its own rotations at once (api.rotate_keys refreshes), so a short floor suffices.
    return Authenticator(verifier=AccessTokenVerifier(KeySet(fetch, min_refresh_seconds=1.0)), introspect=introspect)
