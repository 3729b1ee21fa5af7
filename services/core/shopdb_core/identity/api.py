"""Identity routes: login, refresh, logout, me, JWKS, API tokens, users; and the introspection
services call (authenticated with the site's registration secret, never routed outside)."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select

from shopdb_contract.auth import CurrentPrincipal, require_role
from shopdb_contract.deps import DbSession
from shopdb_core.identity import keys, service
from shopdb_core.identity.authn import token_lifetime
from shopdb_core.identity.cookies import clear_login_cookies, refresh_cookie_name, set_login_cookies
from shopdb_core.identity.models import User
from shopdb_core.identity.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    IntrospectRequest,
    LoginRequest,
    LoginResponse,
    Me,
    RefreshRequest,
    UserCreate,
    UserRead,
    UserUpdate,
)
from shopdb_core.registry.api import require_registration_secret

# Served without a principal (the app factory's policy leaves them open).
PUBLIC_PATHS = ("/api/auth/login", "/api/auth/refresh", "/api/auth/logout", "/api/auth/jwks.json")

router = APIRouter(prefix="/api/auth", tags=["auth"])
admin = require_role("admin")


def _settings(request: Request):
    return request.app.state.settings


def _backoff(settings) -> service.Backoff:
    return service.Backoff(settings.login_max_failures, settings.login_backoff_seconds, settings.login_backoff_max_seconds)


def _signed_in(session, settings, user: User, refresh_token: str) -> JSONResponse:
    """The login answer: tokens in the body for scripts, in cookies for browsers."""
    access, seconds = keys.sign_access_token(
        session, secret_key=settings.secret_key.get_secret_value(), lifetime=token_lifetime(settings),
        subject=str(user.id), name=user.username, role=user.role,
    )
    session.commit()
    csrf = secrets.token_urlsafe(24)
    body = LoginResponse(access_token=access, expires_in=seconds, refresh_token=refresh_token, csrf_token=csrf,
                         user=UserRead.model_validate(user))
    response = JSONResponse(body.model_dump(mode="json"), headers={"Cache-Control": "no-store"})
    set_login_cookies(
        response, secure=settings.secure_cookies, access_token=access, access_seconds=seconds,
        refresh_token=refresh_token, refresh_seconds=int(settings.refresh_token_hours * 3600), csrf_token=csrf,
    )
    return response


@router.post("/login", response_model=LoginResponse)
def login(body: LoginRequest, request: Request, session: DbSession) -> JSONResponse:
    settings = _settings(request)
    user = service.login(session, username=body.username, password=body.password, backoff=_backoff(settings))
    refresh_token = service.start_session(session, user=user, lifetime=timedelta(hours=settings.refresh_token_hours))
    return _signed_in(session, settings, user, refresh_token)


@router.post("/refresh", response_model=LoginResponse)
def refresh(request: Request, session: DbSession, body: RefreshRequest | None = None) -> JSONResponse:
    settings = _settings(request)
    presented = (body.refresh_token if body else None) or request.cookies.get(refresh_cookie_name(settings.secure_cookies))
    user, refresh_token = service.refresh(
        session, refresh_token=presented or "", lifetime=timedelta(hours=settings.refresh_token_hours)
    )
    return _signed_in(session, settings, user, refresh_token)


@router.post("/logout", status_code=204)
def logout(request: Request, session: DbSession, body: RefreshRequest | None = None) -> Response:
    settings = _settings(request)
    presented = (body.refresh_token if body else None) or request.cookies.get(refresh_cookie_name(settings.secure_cookies))
    service.logout(session, refresh_token=presented)
    session.commit()
    response = Response(status_code=204)
    clear_login_cookies(response, secure=settings.secure_cookies)
    return response


@router.get("/jwks.json")
def jwks(request: Request, session: DbSession) -> JSONResponse:
    body = keys.jwks(session, token_lifetime=token_lifetime(_settings(request)))
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})


@router.get("/me", response_model=Me)
def me(principal: CurrentPrincipal, session: DbSession) -> Me:
    user = service.get_user(session, principal.id) if principal.kind == "user" else None
    return Me(id=principal.id, name=principal.name, kind=principal.kind, role=principal.role,
              services=list(principal.services) if principal.services is not None else None,
              user=UserRead.model_validate(user) if user else None)


@router.post("/keys/rotate", dependencies=[admin])
async def rotate_keys(request: Request) -> dict:
    settings = _settings(request)
    with request.app.state.database.transaction() as session:
        session.info["request"] = request  # the rotation is audited with the admin as actor
        kid = keys.rotate(session, secret_key=settings.secret_key.get_secret_value()).kid
    await request.app.state.authenticator.verifier.keys.refresh()
    return {"kid": kid}


# --- API tokens ------------------------------------------------------------------------------


# Tokens are managed by admins: a collector's token is handed out by whoever runs the site.
tokens = APIRouter(prefix="/api/auth/tokens", tags=["auth"], dependencies=[admin])


@tokens.get("", response_model=list[ApiTokenRead])
def list_tokens(session: DbSession, owner_id: uuid.UUID | None = None) -> list:
    return service.list_tokens(session, owner_id=owner_id)


@tokens.post("", response_model=ApiTokenCreated, status_code=201)
def create_token(body: ApiTokenCreate, principal: CurrentPrincipal, session: DbSession) -> ApiTokenCreated:
    """A new token, shown once in `token`. Its owner is you unless `owner_id` names another user."""
    if body.owner_id is not None:
        owner = service.get_user(session, body.owner_id)
    else:
        owner = service.principal_user(session, principal)
    row, plain = service.create_token(
        session, owner=owner, name=body.name, role=body.role, services=body.services, expires=body.expires
    )
    session.commit()
    return ApiTokenCreated(**ApiTokenRead.model_validate(row).model_dump(), token=plain)


@tokens.delete("/{token_id}", status_code=204)
def revoke_token(token_id: str, principal: CurrentPrincipal, session: DbSession) -> Response:
    service.revoke_token(session, token_id=token_id, by=principal)
    session.commit()
    return Response(status_code=204)


# --- users (admin) ---------------------------------------------------------------------------

users = APIRouter(prefix="/api/auth/users", tags=["users"], dependencies=[admin])


@users.get("", response_model=list[UserRead])
def list_users(session: DbSession) -> list:
    return list(session.scalars(select(User).order_by(User.usernamekey)))


@users.post("", response_model=UserRead, status_code=201)
def create_user(body: UserCreate, session: DbSession) -> User:
    user = service.create_user(
        session, username=body.username, password=body.password, role=body.role, displayname=body.displayname
    )
    session.commit()
    return user


@users.get("/{user_id}", response_model=UserRead)
def get_user(user_id: str, session: DbSession) -> User:
    return service.get_user(session, user_id)


@users.patch("/{user_id}", response_model=UserRead)
def update_user(user_id: str, body: UserUpdate, principal: CurrentPrincipal, session: DbSession) -> User:
    user = service.update_user(session, service.get_user(session, user_id), changes={k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}, by=principal)
    session.commit()
    return user


# Never routed by the gateway; services call core directly with the registration secret.
internal_router = APIRouter(
    prefix="/internal/auth", tags=["internal"], include_in_schema=False,
    dependencies=[Depends(require_registration_secret)],
)


@internal_router.post("/introspect")
def introspect(body: IntrospectRequest, session: DbSession) -> dict:
    answer = service.introspect(session, body.token)
    session.commit()
    return answer
