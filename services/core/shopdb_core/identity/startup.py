"""Core makes its first signing key at start-up, so the JWKS is never empty once it answers."""

from __future__ import annotations

from fastapi import FastAPI

from shopdb_core.identity import keys


def ensure_signing_key(app: FastAPI) -> None:
    settings = app.state.settings
    with app.state.database.transaction() as session:
        keys.ensure_key(session, secret_key=settings.secret_key.get_secret_value())
