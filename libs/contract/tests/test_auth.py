"""The auth policy every service gets from the app factory, on an in-process service.

Tokens are signed by a test key standing in for core's; the service reads its JWKS from a
file, exactly as it would fetch core's.
"""

from __future__ import annotations

import json

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from shopdb_contract.app import create_service_app
from shopdb_contract.auth import CurrentPrincipal, api_routes, require_role, required_role_of
from shopdb_contract.db import Database
from shopdb_contract.manifest import parse_manifest
from shopdb_contract.settings import ServiceSettings
from shopdb_contract.testing.auth import SigningKey, bearer, signing_key, tampered, unsigned_token
from shopdb_contract.testing.resource import assert_problem

MANIFEST = parse_manifest({
    "name": "printers", "version": "0.3.1", "description": "Printers",
    "core_version": ">=0.1,<0.2", "api_prefix": "/api/printers",
})


def router() -> APIRouter:
    r = APIRouter(prefix="/api/printers")

    @r.get("")
    def list_printers(principal: CurrentPrincipal) -> dict:
        return {"who": principal.name, "kind": principal.kind}

    @r.post("")
    def create_printer() -> dict:
        return {"created": True}

    @r.post("/purge", dependencies=[require_role("admin")])
    def purge() -> dict:
        return {"purged": True}

    admin = APIRouter(prefix="/queues", dependencies=[require_role("admin")])

    @admin.get("")
    def list_queues() -> list:
        return []

    r.include_router(admin)
    return r


@pytest.fixture
def keys():
    return signing_key()


@pytest.fixture
def client(tmp_path, keys):
    settings = ServiceSettings(_env_file=None, jwks_file=keys.jwks_file(), env="test")
    app = create_service_app(
        manifest=MANIFEST, settings=settings, database=Database(f"sqlite:///{tmp_path}/p.db"),
        routers=[router()], register=False,
    )
    with TestClient(app) as c:
        yield c


def test_request_without_token_is_401_problem(client):
    problem = assert_problem(client.get("/api/printers"), 401)
    assert "Bearer" in client.get("/api/printers").headers["www-authenticate"]
    assert "log in" in problem["detail"]


def test_health_readiness_and_openapi_are_open(client):
    for path in ("/healthz", "/readyz", "/api/printers/openapi.json", "/api/printers/docs"):
        assert client.get(path).status_code == 200, path


def test_unknown_path_needs_a_token_before_it_is_a_404(client, keys):
    assert_problem(client.get("/api/printers/nowhere"), 401)
    assert_problem(client.get("/api/printers/nowhere", headers=keys.headers("viewer")), 404)


def test_viewer_reads_but_may_not_write(client, keys):
    response = client.get("/api/printers", headers=keys.headers("viewer", name="anna"))
    assert response.status_code == 200 and response.json() == {"who": "anna", "kind": "user"}
    problem = assert_problem(client.post("/api/printers", headers=keys.headers("viewer")), 403)
    assert problem["required_role"] == "editor"


def test_editor_writes_but_admin_routes_need_admin(client, keys):
    assert client.post("/api/printers", headers=keys.headers("editor")).status_code == 200
    assert assert_problem(client.post("/api/printers/purge", headers=keys.headers("editor")), 403)["required_role"] == "admin"
    assert client.post("/api/printers/purge", headers=keys.headers("admin")).status_code == 200


def test_required_role_is_readable_from_the_route(client):
    roles = {(r.path, m): required_role_of(r, m) for r in api_routes(client.app) for m in r.methods}
    assert roles[("/api/printers", "GET")] == "viewer"
    assert roles[("/api/printers", "POST")] == "editor"
    assert roles[("/api/printers/purge", "POST")] == "admin"
    assert roles[("/api/printers/queues", "GET")] == "admin"


@pytest.mark.parametrize(
    "make_token, says",
    [
        (lambda k: tampered(k.token("viewer"), role="admin"), "signature"),
        (lambda k: k.token("admin", expires_in=-60), "expired"),
        (lambda k: unsigned_token("admin"), "algorithm"),
        (lambda k: SigningKey().token("admin"), "unknown key"),
        (lambda k: k.token("admin", kid="no-such-kid"), "unknown key"),
        (lambda k: k.token("admin", audience="another-app"), "audience"),
        (lambda k: k.token("admin", issuer="someone-else"), "issuer"),
        (lambda k: k.token("superuser"), "role"),
        (lambda k: "not-a-jwt", "malformed"),
    ],
    ids=["tampered", "expired", "alg-none", "foreign-key", "unknown-kid", "wrong-audience", "wrong-issuer", "bad-role", "garbage"],
)
def test_bad_access_tokens_are_refused_with_the_reason(client, keys, make_token, says):
    problem = assert_problem(client.get("/api/printers", headers=bearer(make_token(keys))), 401)
    assert says in problem["detail"], problem


def test_authorization_header_must_be_bearer(client):
    assert_problem(client.get("/api/printers", headers={"Authorization": "Basic YWRtaW46YWRtaW4="}), 401)


def test_token_limited_to_another_service_is_refused(client, keys):
    token = keys.headers("editor", kind="token", services=["computers"])
    problem = assert_problem(client.post("/api/printers", headers=token), 403)
    assert "computers" in problem["detail"] and problem["service"] == "printers"
    ours = keys.headers("editor", kind="token", services=["printers"], name="printer-poller")
    assert client.post("/api/printers", headers=ours).status_code == 200
    assert client.get("/api/printers", headers=ours).json() == {"who": "printer-poller", "kind": "token"}


def test_cookie_write_without_csrf_token_is_refused(client, keys):
    client.cookies.set("shopdb_access", keys.token("editor"))
    client.cookies.set("shopdb_csrf", "c5rf-value")
    assert client.get("/api/printers").status_code == 200
    problem = assert_problem(client.post("/api/printers"), 403)
    assert problem["field"] == "X-CSRF-Token" and problem["type"].endswith(":csrf")
    assert_problem(client.post("/api/printers", headers={"X-CSRF-Token": "wrong"}), 403)
    assert client.post("/api/printers", headers={"X-CSRF-Token": "c5rf-value"}).status_code == 200


def test_bearer_write_needs_no_csrf_token(client, keys):
    assert client.post("/api/printers", headers=keys.headers("editor")).status_code == 200


def test_rotated_key_is_picked_up_from_the_jwks(tmp_path):
    old, new = SigningKey(), SigningKey()
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(old.jwks()))
    settings = ServiceSettings(_env_file=None, jwks_file=jwks, env="test")
    app = create_service_app(
        manifest=MANIFEST, settings=settings, database=Database(f"sqlite:///{tmp_path}/p.db"),
        routers=[router()], register=False,
    )
    app.state.authenticator.verifier.keys._min_refresh = 0  # no wait between refreshes in a test
    with TestClient(app) as client:
        assert client.get("/api/printers", headers=old.headers()).status_code == 200
        jwks.write_text(json.dumps({"keys": [old.jwk(), new.jwk()]}))
        assert client.get("/api/printers", headers=new.headers()).status_code == 200
        assert client.get("/api/printers", headers=old.headers()).status_code == 200
