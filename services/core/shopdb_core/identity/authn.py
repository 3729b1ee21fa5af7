"""Core verifies its own tokens the way every service does, but reads keys and API tokens
from its database instead of over HTTP.

SHOPDB_JWKS_FILE on core adds the keys of that file to core's own (tests mint tokens with
shopdb_contract.testing.auth against a real core); production refuses the setting on core.
"""

from __future__ import annotations

from datetime import timedelta

from anyio import to_thread

from shopdb_contract.auth import Authenticator
from shopdb_contract.db import Database
from shopdb_contract.tokens import AccessTokenVerifier, KeySet, jwks_from_file
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

    extra = jwks_from_file(settings.jwks_file) if settings.jwks_file else None

    async def fetch() -> dict:
        own = await to_thread.run_sync(read_jwks)
        if extra is None:
            return own
        # Tests (and nothing in production: the settings check refuses it) add trusted keys.
        return {"keys": own["keys"] + (await extra())["keys"]}

    async def introspect(token: str) -> dict:
        return await to_thread.run_sync(read_token, token)

    # Core learns of its own rotations at once (api.rotate_keys refreshes), so a short floor suffices.
    return Authenticator(verifier=AccessTokenVerifier(KeySet(fetch, min_refresh_seconds=1.0)), introspect=introspect)
