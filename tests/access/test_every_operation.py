"""No endpoint is left open by accident: every operation of every service, read from its OpenAPI.

Each service folder (services/*/ with a manifest.json, and the test services under
tests/fixtures/services) is built in-process on a migrated SQLite database, trusting a test
signing key. Every operation is then called without a token (401), with a viewer token when it
writes (403), and with the role its route asks for (neither 401 nor 403; as a user, or for a
collector push as an API token limited to that service). Only the operations
listed in OPEN may answer without a token.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shopdb_contract.auth import SAFE_METHODS, AuthPolicy, api_routes, required_role_of
from shopdb_contract.manifest import load_manifest
from shopdb_contract.migrations import upgrade
from shopdb_contract.testing.auth import signing_key

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SERVICE_DIRS = sorted(
    [p.parent for p in (ROOT / "services").glob("*/manifest.json")]
    + [p.parent for p in (FIXTURES / "services").glob("*/manifest.json")]
)
# The only operations in any OpenAPI that answer without a token.
OPEN = {
    ("core", "POST", "/api/auth/login"),
    ("core", "POST", "/api/auth/refresh"),
    ("core", "POST", "/api/auth/logout"),
    ("core", "GET", "/api/auth/jwks.json"),
}
ROLES_BELOW = {"viewer": None, "editor": "viewer", "admin": "editor"}
PARAM = re.compile(r"\{[^}]+\}")
SOME_ID = "00000000-0000-4000-8000-000000000000"


def build(service_dir: Path, tmp_path: Path, monkeypatch):
    manifest = load_manifest(service_dir)
    url = f"sqlite:///{tmp_path / manifest.name}.db"
    if (service_dir / "alembic.ini").exists():
        upgrade(service_dir, url)
    for name, value in {
        "SHOPDB_ENV": "test", "SHOPDB_DATABASE_URL": url, "SHOPDB_RELAY_ENABLED": "false",
        "SHOPDB_JWKS_FILE": str(signing_key().jwks_file()), "SHOPDB_CORE_URL": "http://127.0.0.1:9",
    }.items():
        monkeypatch.setenv(name, value)
    for path in (service_dir, FIXTURES):
        monkeypatch.syspath_prepend(str(path))
    module = importlib.import_module(f"shopdb_{manifest.name}.app")
    return manifest.name, module.create_app(manifest=manifest)


def operations(app) -> list[tuple[str, str, str]]:
    """(METHOD, OpenAPI path, the role its route needs) for every operation in the OpenAPI."""
    roles = {(route.path, method): required_role_of(route, method) for route in api_routes(app) for method in route.methods}
    found = []
    for path, item in app.openapi()["paths"].items():
        for method in item:
            if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                assert (path, method.upper()) in roles, f"{method} {path} is in the OpenAPI but not a route"
                found.append((method.upper(), path, roles[(path, method.upper())]))
    return found


def call(client, method: str, path: str):
    url = PARAM.sub(SOME_ID, path)
    return client.request(method, url, json=None if method in SAFE_METHODS else {})


@pytest.mark.parametrize("service_dir", SERVICE_DIRS, ids=[p.name for p in SERVICE_DIRS])
def test_every_operation_needs_a_token_and_the_right_role(service_dir, tmp_path, monkeypatch):
    name, app = build(service_dir, tmp_path, monkeypatch)
    public = next(m.kwargs["public_paths"] for m in app.user_middleware if m.cls is AuthPolicy)
    keys = signing_key()
    # No `with`: the app's start-up (registration, relay) is not what this test is about.
    anonymous = TestClient(app, raise_server_exceptions=False)
    ops = operations(app)
    assert ops, f"{name} has no operations in its OpenAPI"
    opened = {(name, method, path) for method, path, _ in ops if path in public}
    assert opened <= OPEN, f"operations open without a token: {opened - OPEN}"
    for method, path, role in ops:
        if (name, method, path) in OPEN:
            continue
        response = call(anonymous, method, path)
        assert response.status_code == 401, f"{name}: {method} {path} without a token answered {response.status_code}"
        below = ROLES_BELOW[role]
        if below is not None:
            weaker = TestClient(app, headers=keys.headers(below), raise_server_exceptions=False)
            response = call(weaker, method, path)
            assert response.status_code == 403, f"{name}: {method} {path} as {below} answered {response.status_code}"
        if method not in SAFE_METHODS:
            assert role != "viewer", f"{name}: {method} {path} writes with the viewer role"
        # The right credential: a user with the role, or (collector pushes) a token scoped to this service.
        answers = []
        for headers in (keys.headers(role), keys.headers(role, kind="token", services=[name])):
            response = call(TestClient(app, headers=headers, raise_server_exceptions=False), method, path)
            answers.append(f"{response.status_code} {response.text[:200]}")
            if response.status_code not in (401, 403):
                break
        else:
            raise AssertionError(f"{name}: {method} {path} as {role} is refused: {answers}")


def test_open_operations_answer_without_a_token(tmp_path, monkeypatch):
    _, app = build(ROOT / "services" / "core", tmp_path, monkeypatch)
    anonymous = TestClient(app, raise_server_exceptions=False)
    for _, method, path in OPEN:
        response = call(anonymous, method, path)
        assert "authentication required" not in response.text, (method, path, response.text)
