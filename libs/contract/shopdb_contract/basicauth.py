"""HTTP Basic for clients that cannot send a Bearer token (inventory agents), over ADR-009's rules.

GLPI Agent, FusionInventory and OCS Inventory can only do HTTP Basic (`--user`, `--password`).
Their configuration sits in plain text on every PC, so the password they may carry is narrower
than a Bearer token:
- it must be an API token (`sdb_<id>_<secret>`): a person's password, or a person's access
  token, is refused here; passwords are only ever checked by core's login;
- the token must be limited to this service (`services` lists it): a token good for every
  service is refused, so a copied agent configuration can write to nothing else;
- it needs `editor` (the agents write), checked through core's introspection as any API token
  is (cached, revocation within SHOPDB_TOKEN_CACHE_SECONDS);
- the user name is the agent's label only: the principal is the token, as for any collector.

Every agent first sends its request without credentials and only answers a 401 carrying
`WWW-Authenticate: Basic realm="shopdb"`, exactly that: OCS answers only the realm set with
`--realm`, so the realm is fixed and documented, and FusionInventory reads the realm with a
greedy `realm="(.*)"`, so the challenge carries no other parameter (not even charset).
"""

from __future__ import annotations

import base64
import binascii

from shopdb_contract.auth import Authenticator, Principal
from shopdb_contract.errors import ForbiddenError, UnauthorizedError
from shopdb_contract.introspection import is_api_token

REALM = "shopdb"
CHALLENGE = f'Basic realm="{REALM}"'
# base64 of a user name, a colon and an API token (~60 characters) fits well within this.
MAX_CREDENTIALS = 1024


def basic_challenge(detail: str) -> UnauthorizedError:
    # `message` is what GLPI Agent logs from a JSON answer.
    return UnauthorizedError(detail, headers={"WWW-Authenticate": CHALLENGE}, message=detail)


def basic_credentials(authorization: str | None) -> tuple[str, str]:
    """(user, password) of an `Authorization: Basic …` header; a 401 challenge otherwise."""
    if not authorization:
        raise basic_challenge("authentication required: HTTP Basic with an API token limited to this service as the password")
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise basic_challenge("Authorization must be 'Basic <base64 of user:api-token>' here")
    if len(encoded) > MAX_CREDENTIALS:
        raise basic_challenge(f"Basic credentials longer than {MAX_CREDENTIALS} characters")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise basic_challenge("Basic credentials are not base64 of UTF-8 'user:password'") from None
    user, colon, password = decoded.partition(":")
    if not colon:
        raise basic_challenge("Basic credentials must be 'user:password'")
    return user, password


async def authenticate_basic(
    authenticator: Authenticator, authorization: str | None, *, service: str, role: str = "editor",
) -> Principal:
    """The token principal behind Basic credentials, under the rules of the module docstring."""
    _, password = basic_credentials(authorization)
    if not is_api_token(password):
        raise basic_challenge(
            f"the password must be an API token limited to {service} (sdb_…); a person's password is not accepted here"
        )
    try:
        principal = await authenticator.authenticate(password)
    except UnauthorizedError as exc:
        raise basic_challenge(exc.detail) from None
    if principal.kind != "token" or principal.services is None or service not in principal.services:
        raise ForbiddenError(
            f"this API token is not limited to {service}: create one for agents with services [{service!r}]",
            service=service, message=f"the API token must be limited to {service}",
        )
    if not principal.has_role(role):
        raise ForbiddenError(
            f"agents need the {role} role; this token has {principal.role}", required_role=role,
            message=f"the API token needs the {role} role",
        )
    return principal


__all__ = ["CHALLENGE", "REALM", "authenticate_basic", "basic_challenge", "basic_credentials"]
