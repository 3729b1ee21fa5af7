"""Who is calling, and may they (ADR-009). Applied by the app factory to every route.

The policy, so no endpoint is left open by accident:
- open: `/healthz`, `/readyz`, the service's OpenAPI and docs, and the paths a service names
  public (core: login, refresh, logout, JWKS); `/internal/*` keep their own secret checks;
- everything else needs a principal: a core-signed access token (Bearer header, or the access
  cookie for browsers) or an API token; 401 problem+json otherwise;
- safe methods need `viewer`, unsafe methods `editor`; a route asks for more with
  `require_role("admin")`; a token limited to services is refused (403) by any other service;
- a cookie-authenticated unsafe request must echo the CSRF cookie in `X-CSRF-Token`.

A route reads the caller with `CurrentPrincipal`; auditing finds `request.state.actor`.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import cookie_parser

from shopdb_contract.errors import ForbiddenError, ProblemError, UnauthorizedError
from shopdb_contract.introspection import CachedIntrospection, Introspect, introspect_over_http, is_api_token
from shopdb_contract.outbox import Actor
from shopdb_contract.settings import ServiceSettings
from shopdb_contract.tokens import (
    AUDIENCE,
    ISSUER,
    ROLES,
    AccessTokenVerifier,
    KeySet,
    bearer_problem,
    jwks_from_file,
    jwks_from_url,
)

__all__ = [
    "AUDIENCE", "ISSUER", "ROLES", "SAFE_METHODS", "CSRF_HEADER", "Authenticator", "AuthPolicy", "CSRFError",
    "CurrentActor", "CurrentPrincipal", "Principal", "access_cookie_name", "csrf_cookie_name",
    "api_routes", "current_principal", "require_role", "required_role_of",
]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
_RANK = {role: rank for rank, role in enumerate(ROLES)}


def access_cookie_name(secure: bool) -> str:
    # `__Host-` binds the cookie to this exact host over HTTPS, path /, no Domain.
    return "__Host-shopdb_access" if secure else "shopdb_access"


def csrf_cookie_name(secure: bool) -> str:
    return "__Host-shopdb_csrf" if secure else "shopdb_csrf"


class CSRFError(ForbiddenError):
    slug = "csrf"
    title = "CSRF check failed"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a user (logged in) or an API token (scripts, collectors)."""

    id: str
    name: str
    kind: str = "user"  # "user" | "token"
    role: str = "viewer"  # "viewer" | "editor" | "admin"
    # The services a token may be used with; None means every service.
    services: tuple[str, ...] | None = None

    def actor(self) -> Actor:
        # A collector pushes with an API token, so its changes are the token's, by name.
        return Actor(kind=self.kind, id=self.id, name=self.name)

    def has_role(self, role: str) -> bool:
        return _RANK[self.role] >= _RANK[role]

    def may_use(self, service: str) -> bool:
        return self.services is None or service in self.services


class Authenticator:
    """Turns a presented token into a Principal: JWTs locally, API tokens through core."""

    def __init__(self, *, verifier: AccessTokenVerifier, introspect: Introspect | None) -> None:
        self.verifier = verifier
        self.introspect = introspect

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> Authenticator:
        fetch = jwks_from_file(settings.jwks_file) if settings.jwks_file else jwks_from_url(settings.jwks_location())
        introspect = CachedIntrospection(
            introspect_over_http(settings.core_url, settings.registration_secret.get_secret_value()),
            ttl=settings.token_cache_seconds,
        )
        return cls(verifier=AccessTokenVerifier(KeySet(fetch)), introspect=introspect)

    async def authenticate(self, token: str) -> Principal:
        if is_api_token(token):
            return await self._api_token(token)
        claims = await self.verifier.claims(token)
        services = claims.get("services")
        return Principal(
            id=str(claims["sub"]),
            name=str(claims.get("name") or claims["sub"]),
            kind=claims.get("kind", "user"),
            role=claims["role"],
            services=tuple(services) if services is not None else None,
        )

    async def _api_token(self, token: str) -> Principal:
        if self.introspect is None:
            raise bearer_problem("API tokens are not accepted here")
        answer = await self.introspect(token)
        if not answer.get("active") or answer.get("role") not in ROLES:
            raise bearer_problem("API token is unknown, expired or revoked")
        services = answer.get("services")
        return Principal(
            id=str(answer["id"]),
            name=str(answer.get("name") or answer["id"]),
            kind="token",
            role=answer["role"],
            services=tuple(services) if services is not None else None,
        )


def _header(scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


class AuthPolicy:
    """Plain ASGI middleware enforcing the policy above before any route runs."""

    def __init__(
        self,
        app,
        *,
        service: str,
        authenticator: Authenticator,
        public_paths: Iterable[str],
        secure_cookies: bool,
        error_response,
    ) -> None:
        self.app = app
        self.service = service
        self.authenticator = authenticator
        self.public_paths = frozenset(public_paths)
        self.access_cookie = access_cookie_name(secure_cookies)
        self.csrf_cookie = csrf_cookie_name(secure_cookies)
        # The app factory's problem+json renderer, so refusals look like every other error.
        self.error_response = error_response

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in self.public_paths or path.startswith("/internal/"):
            await self.app(scope, receive, send)
            return
        try:
            principal = await self.principal(scope)
        except ProblemError as exc:
            await self.error_response(exc, path)(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["principal"] = principal
        state["actor"] = principal.actor()
        await self.app(scope, receive, send)

    async def principal(self, scope) -> Principal:
        method = scope.get("method", "GET")
        authorization = _header(scope, b"authorization")
        cookies = cookie_parser(_header(scope, b"cookie") or "")
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise bearer_problem("Authorization header must be 'Bearer <token>'")
            principal = await self.authenticator.authenticate(token.strip())
        elif cookies.get(self.access_cookie):
            principal = await self.authenticator.authenticate(cookies[self.access_cookie])
            if method not in SAFE_METHODS:
                self.check_csrf(scope, cookies)
        else:
            raise UnauthorizedError(
                "authentication required: log in at /api/auth/login or send 'Authorization: Bearer <token>'",
                headers={"WWW-Authenticate": 'Bearer realm="shopdb"'},
            )
        if not principal.may_use(self.service):
            raise ForbiddenError(
                f"this token is limited to {', '.join(principal.services or ())} and may not be used with {self.service!r}",
                service=self.service,
            )
        needed = "viewer" if method in SAFE_METHODS else "editor"
        if not principal.has_role(needed):
            raise ForbiddenError(f"{method} needs the {needed} role; you are {principal.role}", required_role=needed)
        return principal

    def check_csrf(self, scope, cookies: dict[str, str]) -> None:
        expected = cookies.get(self.csrf_cookie, "")
        sent = _header(scope, CSRF_HEADER.lower().encode()) or ""
        if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
            raise CSRFError(
                f"CSRF token missing or wrong: send the {self.csrf_cookie} cookie's value in the {CSRF_HEADER} header",
                field=CSRF_HEADER,
            )


def current_principal(request: Request) -> Principal:
    principal = getattr(request.state, "principal", None)
    if principal is None:
        raise UnauthorizedError("authentication required")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def current_actor(request: Request) -> Actor:
    return current_principal(request).actor()


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require_role(role: str):
    """A route dependency asking more than the method's default: `dependencies=[require_role("admin")]`."""
    if role not in _RANK:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")

    def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_role(role):
            raise ForbiddenError(f"this needs the {role} role; you are {principal.role}", required_role=role)
        return principal

    check.required_role = role  # read by required_role_of, e.g. by the test walking every route
    return Depends(check)


def api_routes(app) -> list:
    """Every route of `app` with its method set and dependencies, included routers flattened."""
    try:  # FastAPI >= 0.160 keeps included routers nested
        from fastapi.routing import iter_route_contexts
    except ImportError:
        return [r for r in app.routes if hasattr(r, "dependant")]
    return [r for r in iter_route_contexts(app.routes) if getattr(r, "dependant", None) is not None]


def required_role_of(route, method: str) -> str:
    """The role a route needs for `method`: its `require_role`, else the method's default."""
    needed = "viewer" if method.upper() in SAFE_METHODS else "editor"
    stack = [getattr(route, "dependant", None)]
    while stack:
        dependant = stack.pop()
        if dependant is None:
            continue
        role = getattr(dependant.call, "required_role", None)
        if role and _RANK[role] > _RANK[needed]:
            needed = role
        stack.extend(dependant.dependencies)
    return needed
