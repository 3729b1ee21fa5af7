"""HTTP Basic for the agents (shopdb_contract.basicauth) against a real core's tokens.

Tokens are created through core's API and checked through core's introspection endpoint, the
same question a service asks core over HTTP in production (here over core's TestClient).
"""

from __future__ import annotations

import asyncio
import base64

import pytest

from shopdb_contract.auth import Authenticator
from shopdb_contract.basicauth import CHALLENGE, authenticate_basic
from shopdb_contract.errors import ForbiddenError, UnauthorizedError
from shopdb_contract.introspection import INTROSPECT_PATH, SECRET_HEADER
from shopdb_contract.testing.auth import signing_key
from shopdb_contract.tokens import AccessTokenVerifier, KeySet, jwks_from_file
from shopdb_core.identity.testing import TEST_PASSWORD, act_as, core_token


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def admin_core(core_client):
    return act_as(core_client, "admin")


@pytest.fixture
def authenticator(admin_core):
    secret = admin_core.app.state.settings.registration_secret.get_secret_value()

    async def introspect(token: str) -> dict:
        answer = admin_core.post(INTROSPECT_PATH, json={"token": token}, headers={SECRET_HEADER: secret})
        assert answer.status_code == 200, answer.text
        return answer.json()

    verifier = AccessTokenVerifier(KeySet(jwks_from_file(signing_key().jwks_file())))
    return Authenticator(verifier=verifier, introspect=introspect)


@pytest.fixture
def make_token(admin_core):
    def make(role: str = "editor", services: list[str] | None = None) -> str:
        created = admin_core.post("/api/auth/tokens", json={"name": "site agents", "role": role, "services": services})
        assert created.status_code == 201, created.text
        return created.json()["token"]

    return make


def check(authenticator, header):
    return asyncio.run(authenticate_basic(authenticator, header, service="computers"))


def test_a_token_limited_to_computers_is_the_principal_whatever_the_user_name(authenticator, make_token):
    token = make_token(services=["computers"])
    for user in ("inventory", "", "pc-0042"):
        principal = check(authenticator, basic(user, token))
        assert (principal.kind, principal.name, principal.role, principal.services) == ("token", "site agents", "editor", ("computers",))


def refused_with_challenge(authenticator, header) -> str:
    with pytest.raises(UnauthorizedError) as refused:
        check(authenticator, header)
    assert refused.value.extensions["headers"] == {"WWW-Authenticate": CHALLENGE}
    assert refused.value.extensions["message"] == refused.value.detail
    return refused.value.detail


def test_a_persons_password_or_access_token_is_refused(authenticator, admin_core):
    detail = refused_with_challenge(authenticator, basic("test-editor", TEST_PASSWORD))
    assert "a person's password is not accepted here" in detail
    refused_with_challenge(authenticator, basic("test-editor", core_token(admin_core.app, "editor")))


def test_a_token_not_limited_to_computers_is_forbidden(authenticator, make_token):
    for services in (None, ["equipment"]):
        with pytest.raises(ForbiddenError, match="not limited to computers"):
            check(authenticator, basic("inventory", make_token(services=services)))


def test_a_viewer_token_may_not_send_inventories(authenticator, make_token):
    with pytest.raises(ForbiddenError, match="need the editor role"):
        check(authenticator, basic("inventory", make_token(role="viewer", services=["computers"])))


def test_an_unknown_or_revoked_token_is_challenged_again(authenticator, make_token, admin_core):
    token = make_token(services=["computers"])
    assert "unknown, expired or revoked" in refused_with_challenge(authenticator, basic("inventory", token + "x"))
    token_id = token.split("_")[1]
    assert admin_core.delete(f"/api/auth/tokens/{token_id}").status_code == 204
    refused_with_challenge(authenticator, basic("inventory", token))


@pytest.mark.parametrize("header", [
    None, "", "Bearer sdb_x_y", "Basic", "Basic !!!not-base64", "Basic " + base64.b64encode(b"no-colon").decode(),
    "Basic " + "A" * 2000,
])
def test_what_is_not_basic_credentials_is_challenged(authenticator, header):
    refused_with_challenge(authenticator, header)
