"""Users and core-signed tokens for core's own tests (other services use
shopdb_contract.testing.auth, which needs no core)."""

from __future__ import annotations

from fastapi import FastAPI

from shopdb_contract.testing.auth import bearer
from shopdb_core.identity import keys, service
from shopdb_core.identity.authn import token_lifetime

TEST_PASSWORD = "correct-horse-battery-staple"


def ensure_role_users(app: FastAPI) -> dict[str, str]:
    """One user per role (`test-viewer`, `test-editor`, `test-admin`); {role: user id}."""
    ids = {}
    with app.state.database.transaction() as session:
        for role in ("viewer", "editor", "admin"):
            user = service.find_user(session, f"test-{role}") or service.create_user(
                session, username=f"test-{role}", password=TEST_PASSWORD, role=role
            )
            ids[role] = str(user.id)
    return ids


def core_token(app: FastAPI, role: str) -> str:
    settings = app.state.settings
    user_id = app.state.test_users[role]
    with app.state.database.transaction() as session:
        token, _ = keys.sign_access_token(
            session, secret_key=settings.secret_key.get_secret_value(), lifetime=token_lifetime(settings),
            subject=user_id, name=f"test-{role}", role=role,
        )
    return token


def core_headers(app: FastAPI, role: str) -> dict[str, str]:
    return bearer(core_token(app, role))


def act_as(client, role: str = "admin"):
    """Make a TestClient over core send a `role` user's access token with every request."""
    client.app.state.test_users = ensure_role_users(client.app)
    client.headers.update(core_headers(client.app, role))
    return client


def add_user(database_url: str, username: str, password: str = TEST_PASSWORD, role: str = "admin") -> None:
    """A user in a migrated core database, before (or while) a real core runs on it."""
    from shopdb_contract.db import Database

    database = Database(database_url)
    try:
        with database.transaction() as session:
            if service.find_user(session, username) is None:
                service.create_user(session, username=username, password=password, role=role)
    finally:
        database.dispose()


def login_headers(core_url: str, username: str, password: str = TEST_PASSWORD) -> dict[str, str]:
    """Log in at a running core; the Authorization header of the access token it gives."""
    import httpx

    response = httpx.post(f"{core_url.rstrip('/')}/api/auth/login", json={"username": username, "password": password}, timeout=10)
    response.raise_for_status()
    return bearer(response.json()["access_token"])
