"""Users, login, sessions, API tokens and signing keys in core, on SQLite and MariaDB."""

from __future__ import annotations

import uuid

import jwt
from fastapi.testclient import TestClient
from sqlalchemy import select

from shopdb_contract.settings import DEV_REGISTRATION_SECRET
from shopdb_contract.testing.auth import bearer
from shopdb_contract.testing.resource import assert_problem
from shopdb_core.audit.models import Outbox
from shopdb_core.identity.models import SigningKey, User

PASSWORD = "a-long-enough-password-1"
SECRET = {"X-ShopDB-Registration-Secret": DEV_REGISTRATION_SECRET}


def new_user(client, role: str = "editor", password: str = PASSWORD, name: str | None = None) -> dict:
    name = name or f"user-{uuid.uuid4().hex[:8]}"
    response = client.post("/api/auth/users", json={"username": name, "password": password, "role": role})
    assert response.status_code == 201, response.text
    return response.json()


def anonymous(client) -> TestClient:
    """A client over the same app with no token and no cookies."""
    return TestClient(client.app)


def login(client, username: str, password: str = PASSWORD):
    return anonymous(client).post("/api/auth/login", json={"username": username, "password": password})


def outbox_events(database, action: str) -> list[dict]:
    with database.session() as session:
        payloads = session.scalars(select(Outbox.c.payload).order_by(Outbox.c.id)).all()
    return [p for p in payloads if p.get("action") == action]


def test_password_is_stored_as_argon2id_at_owasp_parameters(client, database):
    user = new_user(client)
    with database.session() as session:
        stored = session.get(User, uuid.UUID(user["id"])).password_hash
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in stored


def test_login_gives_a_token_that_names_the_user(client):
    user = new_user(client, "viewer")
    response = login(client, user["username"].upper())  # usernames are case-insensitive
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["user"]["username"] == user["username"]
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "EdDSA"
    me = anonymous(client).get("/api/auth/me", headers=bearer(body["access_token"])).json()
    assert me["name"] == user["username"] and me["role"] == "viewer" and me["kind"] == "user"
    assert "password" not in response.text.lower().replace('"password"', "")


def test_login_sets_httponly_samesite_cookies(client):
    user = new_user(client)
    cookies = login(client, user["username"]).headers.get_list("set-cookie")
    access = next(c for c in cookies if c.startswith("shopdb_access="))
    csrf = next(c for c in cookies if c.startswith("shopdb_csrf="))
    assert "HttpOnly" in access and "SameSite=lax" in access and "Path=/" in access
    assert "HttpOnly" not in csrf  # the page's script echoes it in X-CSRF-Token


def test_username_is_unique_regardless_of_case(client):
    user = new_user(client)
    response = client.post("/api/auth/users", json={"username": user["username"].upper(), "password": PASSWORD})
    assert_problem(response, 409, field="username")


def test_weak_password_is_refused_naming_the_field(client):
    response = client.post("/api/auth/users", json={"username": f"weak-{uuid.uuid4().hex[:6]}", "password": "short"})
    assert_problem(response, 422, field="password")


def test_wrong_password_is_401_and_audited_without_the_password(client, database):
    user = new_user(client)
    assert_problem(login(client, user["username"], "wrong-password-123"), 401)
    assert_problem(login(client, "nobody-at-all", "wrong-password-123"), 401)
    failures = outbox_events(database, "login-failed")
    assert any(e["entity_id"] == user["id"] for e in failures)
    assert any(e["entity_id"] == "unknown" and "nobody-at-all" in e["summary"] for e in failures)
    assert all("wrong-password-123" not in str(e) for e in failures)


def test_repeated_bad_logins_are_throttled_with_retry_after_and_audited(client, database):
    user = new_user(client)
    for _ in range(client.app.state.settings.login_max_failures):
        assert login(client, user["username"], "wrong-password-123").status_code == 401
    # Even the right password waits: the account is backing off.
    response = login(client, user["username"])
    problem = assert_problem(response, 429)
    assert int(response.headers["retry-after"]) >= 1 and problem["retry_after"] >= 1
    assert any(e["entity_id"] == user["id"] for e in outbox_events(database, "login-throttled"))


def test_successful_login_is_audited(client, database):
    user = new_user(client)
    assert login(client, user["username"]).status_code == 200
    event = next(e for e in outbox_events(database, "login") if e["entity_id"] == user["id"])
    assert event["actor"]["name"] == user["username"]


def test_inactive_user_cannot_log_in(client):
    user = new_user(client)
    assert client.patch(f"/api/auth/users/{user['id']}", json={"active": False}).status_code == 200
    assert_problem(login(client, user["username"]), 401)


def test_refresh_rotates_the_refresh_token_and_logout_ends_the_session(client):
    user = new_user(client)
    first = login(client, user["username"]).json()
    http = anonymous(client)
    second = http.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    # A refresh token works once: a stolen copy used later is refused.
    assert_problem(http.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]}), 401, field="refresh_token")
    assert http.post("/api/auth/logout", json={"refresh_token": second.json()["refresh_token"]}).status_code == 204
    assert_problem(http.post("/api/auth/refresh", json={"refresh_token": second.json()["refresh_token"]}), 401)


def test_browser_refresh_uses_the_refresh_cookie(client):
    user = new_user(client)
    browser = anonymous(client)
    assert browser.post("/api/auth/login", json={"username": user["username"], "password": PASSWORD}).status_code == 200
    assert browser.post("/api/auth/refresh").status_code == 200


def test_cookie_write_at_core_needs_the_csrf_token(client):
    user = new_user(client)
    browser = anonymous(client)
    body = browser.post("/api/auth/login", json={"username": user["username"], "password": PASSWORD}).json()
    location = {"name": f"Hall {uuid.uuid4().hex[:6]}"}
    assert browser.get("/api/locations").status_code == 200
    assert_problem(browser.post("/api/locations", json=location), 403, field="X-CSRF-Token")
    response = browser.post("/api/locations", json=location, headers={"X-CSRF-Token": body["csrf_token"]})
    assert response.status_code == 201, response.text


def test_viewer_cannot_write_and_editor_cannot_manage_users(client, auth_headers):
    http = anonymous(client)
    assert_problem(http.post("/api/locations", json={"name": "Hall V"}, headers=auth_headers("viewer")), 403)
    assert_problem(http.get("/api/auth/users", headers=auth_headers("editor")), 403)
    assert_problem(http.post("/api/services/alpha/disable", headers=auth_headers("editor")), 403)
    assert_problem(http.get("/api/settings", headers=auth_headers("editor")), 403)


def test_the_last_active_admin_cannot_be_demoted(client, database):
    with database.session() as session:
        admins = session.scalars(select(User).where(User.role == "admin", User.active.is_(True))).all()
    others = [a for a in admins if a.username != "test-admin"]
    for other in others:  # leave test-admin as the only one
        client.patch(f"/api/auth/users/{other.id}", json={"active": False})
    admin_id = client.app.state.test_users["admin"]
    assert_problem(client.patch(f"/api/auth/users/{admin_id}", json={"role": "viewer"}), 409, field="role")


def test_api_token_is_shown_once_works_and_stops_at_once_when_revoked(client):
    owner = new_user(client, "editor")
    created = client.post("/api/auth/tokens", json={"name": "inventory script", "role": "editor", "owner_id": owner["id"]})
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    assert token.startswith("sdb_")
    listed = client.get("/api/auth/tokens", params={"owner_id": owner["id"]}).json()
    assert [t["name"] for t in listed] == ["inventory script"] and "token" not in listed[0]
    http = anonymous(client)
    me = http.get("/api/auth/me", headers=bearer(token)).json()
    assert me == {"id": created.json()["id"], "name": "inventory script", "kind": "token", "role": "editor",
                  "services": None, "user": None}
    assert client.get("/api/auth/tokens", params={"owner_id": owner["id"]}).json()[0]["lastused"] is not None
    assert client.delete(f"/api/auth/tokens/{created.json()['id']}").status_code == 204
    # Core checks its own database: no cache, so revocation is immediate here.
    assert_problem(http.get("/api/auth/me", headers=bearer(token)), 401)


def test_api_token_role_cannot_exceed_its_owner(client):
    owner = new_user(client, "viewer")
    response = client.post("/api/auth/tokens", json={"name": "too much", "role": "editor", "owner_id": owner["id"]})
    assert_problem(response, 403, field="role")


def test_api_token_services_must_be_service_names(client):
    response = client.post("/api/auth/tokens", json={"name": "bad", "services": ["Not A Service"]})
    assert_problem(response, 422, field="services")


def test_token_limited_to_a_service_is_refused_by_core(client):
    token = client.post("/api/auth/tokens", json={"name": "pc collector", "role": "editor", "services": ["computers"]}).json()
    problem = assert_problem(anonymous(client).get("/api/assets", headers=bearer(token["token"])), 403)
    assert problem["service"] == "core"


def test_introspection_needs_the_registration_secret(client):
    http = anonymous(client)
    assert_problem(http.post("/internal/auth/introspect", json={"token": "sdb_x_y"}), 401)
    assert http.post("/internal/auth/introspect", json={"token": "sdb_x_y"}, headers=SECRET).json() == {"active": False}


def test_key_rotation_keeps_old_tokens_valid_and_publishes_both_keys(client, auth_headers):
    old = auth_headers("viewer")
    old_kid = jwt.get_unverified_header(old["Authorization"].split()[1])["kid"]
    new_kid = client.post("/api/auth/keys/rotate").json()["kid"]
    assert new_kid != old_kid
    http = anonymous(client)
    kids = {k["kid"] for k in http.get("/api/auth/jwks.json").json()["keys"]}
    assert {old_kid, new_kid} <= kids
    assert http.get("/api/assets", headers=old).status_code == 200
    fresh = auth_headers("viewer")
    assert jwt.get_unverified_header(fresh["Authorization"].split()[1])["kid"] == new_kid
    assert http.get("/api/assets", headers=fresh).status_code == 200


def test_signing_keys_are_encrypted_at_rest_and_jwks_has_no_private_part(client, database):
    jwks = anonymous(client).get("/api/auth/jwks.json").json()
    assert jwks["keys"] and all("d" not in k and k["alg"] == "EdDSA" for k in jwks["keys"])
    with database.session() as session:
        row = session.scalars(select(SigningKey).where(SigningKey.active.is_(True))).first()
    assert row.private_key_encrypted.startswith(b"gAAAA")  # a Fernet token, not 32 raw key bytes


def test_open_paths_need_no_token(client):
    http = anonymous(client)
    for path in ("/api/auth/jwks.json", "/healthz", "/readyz", "/api/openapi.json", "/api/docs"):
        assert http.get(path).status_code == 200, path
    # Login answers for itself: a wrong password, not "authentication required".
    response = http.post("/api/auth/login", json={"username": "nobody", "password": "nothing-at-all"})
    assert "wrong username or password" in response.json()["detail"]


def test_core_trusts_a_jwks_file_only_when_given_one(client, tmp_path):
    from shopdb_contract.testing.auth import SigningKey
    from shopdb_core.app import create_app
    from shopdb_core.settings import CoreSettings

    outsider = SigningKey()
    assert_problem(anonymous(client).get("/api/assets", headers=outsider.headers("viewer")), 401)
    settings = CoreSettings(_env_file=None, env="test", relay_enabled=False, jwks_file=outsider.jwks_file(tmp_path),
                            database_url=str(client.app.state.database.engine.url.render_as_string(hide_password=False)))
    with TestClient(create_app(settings=settings)) as trusting:
        assert trusting.get("/api/assets", headers=outsider.headers("viewer")).status_code == 200
