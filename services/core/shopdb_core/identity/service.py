"""Users, logins with per-account back-off, login sessions and API tokens: plain functions.

Secrets handed out here (refresh tokens, API tokens) are 256 random bits, shown once and kept
only as SHA-256 digests.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopdb_contract.auditing import set_action
from shopdb_contract.auth import ROLES, Principal
from shopdb_contract.db import utcnow
from shopdb_contract.errors import ConflictError, ForbiddenError, NotFoundError, ProblemError, UnauthorizedError, ValidationProblem
from shopdb_contract.introspection import API_TOKEN_PREFIX
from shopdb_contract.outbox import Actor, OutboxWriter
from shopdb_core.audit.models import Outbox
from shopdb_core.identity.models import ApiToken, LoginSession, User
from shopdb_core.identity.passwords import hash_password, needs_rehash, password_problem, verify_password

AUDIT = OutboxWriter(service="core", table=Outbox)
_RANK = {role: rank for rank, role in enumerate(ROLES)}


class TooManyLoginsError(ProblemError):
    status = 429
    slug = "too-many-logins"
    title = "Too many failed logins"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- users -----------------------------------------------------------------------------------


def get_user(session: Session, user_id: uuid.UUID | str) -> User:
    try:
        key = user_id if isinstance(user_id, uuid.UUID) else uuid.UUID(str(user_id))
    except ValueError:
        key = None
    user = session.get(User, key) if key else None
    if user is None:
        raise NotFoundError(f"no user with id {user_id}")
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.usernamekey == username.strip().lower())).first()


def count_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True)))


def create_user(session: Session, *, username: str, password: str, role: str, displayname: str = "") -> User:
    username = username.strip()
    if find_user(session, username) is not None:
        raise ConflictError(f"a user named {username!r} already exists", field="username")
    problem = password_problem(password)
    if problem:
        raise ValidationProblem(problem, field="password")
    user = User(
        username=username, usernamekey=username.lower(), displayname=displayname or username, role=role,
        active=True, password_hash=hash_password(password), failedlogins=0,
    )
    session.add(user)
    session.flush()
    return user


def update_user(session: Session, user: User, *, changes: dict, by: Principal) -> User:
    if "password" in changes:
        password = changes.pop("password")
        problem = password_problem(password)
        if problem:
            raise ValidationProblem(problem, field="password")
        user.password_hash = hash_password(password)
        user.failedlogins, user.lockeduntil = 0, None
    demoting = changes.get("role", user.role) != "admin" or changes.get("active", user.active) is False
    if user.role == "admin" and user.active and demoting and count_admins(session) <= 1:
        raise ConflictError("this is the last active admin: make another admin first", field="role")
    for name, value in changes.items():
        setattr(user, name, value)
    session.flush()
    return user


# --- login -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backoff:
    max_failures: int
    base_seconds: float
    max_seconds: float

    def wait_after(self, failures: int) -> float:
        if failures < self.max_failures:
            return 0.0
        return min(self.max_seconds, self.base_seconds * 2 ** (failures - self.max_failures))


def _retry_after(user: User, now: datetime) -> int:
    return max(1, int((user.lockeduntil - now).total_seconds() + 0.999))


def login(session: Session, *, username: str, password: str, backoff: Backoff) -> User:
    """The user for these credentials; a failure is audited and counted, and committed either way."""
    now = utcnow()
    user = find_user(session, username)
    anonymous = Actor(kind="anonymous", name=username.strip()[:200])
    if user is not None and user.lockeduntil is not None and user.lockeduntil > now:
        retry = _retry_after(user, now)
        AUDIT.audit_log(session, entity_type="user", entity_id=user.id, action="login-throttled", actor=anonymous,
                        summary=f"login for {user.username!r} refused: too many failed attempts")
        session.commit()
        raise TooManyLoginsError(
            f"too many failed logins for this account: try again in {retry} seconds",
            headers={"Retry-After": str(retry)}, retry_after=retry,
        )
    if user is None or not verify_password(user.password_hash, password) or not user.active:
        entity_id = user.id if user is not None else "unknown"
        if user is not None:
            user.failedlogins += 1
            wait = backoff.wait_after(user.failedlogins)
            user.lockeduntil = now + timedelta(seconds=wait) if wait else None
        reason = "inactive account" if user is not None and user.active is False else "wrong username or password"
        AUDIT.audit_log(session, entity_type="user", entity_id=entity_id, action="login-failed", actor=anonymous,
                        summary=f"login failed for {username.strip()[:80]!r}: {reason}")
        session.commit()
        raise UnauthorizedError("wrong username or password", field="password")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failedlogins, user.lockeduntil, user.lastlogin = 0, None, now
    AUDIT.audit_log(session, entity_type="user", entity_id=user.id, action="login",
                    actor=Actor(kind="user", id=str(user.id), name=user.username),
                    summary=f"{user.username} logged in")
    return user


def start_session(session: Session, *, user: User, lifetime: timedelta) -> str:
    """A new login session; returns its refresh token (shown once)."""
    session_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    session.add(LoginSession(id=session_id, user_id=user.id, secret_hash=digest(secret), expires=utcnow() + lifetime))
    session.flush()
    return f"{session_id}.{secret}"


def _find_session(session: Session, refresh_token: str) -> LoginSession | None:
    session_id, _, secret = (refresh_token or "").partition(".")
    row = session.get(LoginSession, session_id) if session_id and secret else None
    if row is None or not hmac.compare_digest(row.secret_hash, digest(secret)):
        return None
    return row


def refresh(session: Session, *, refresh_token: str, lifetime: timedelta) -> tuple[User, str]:
    """Exchange a refresh token for a new one (the old one ends) and the user to sign for."""
    row = _find_session(session, refresh_token)
    now = utcnow()
    if row is None or row.revoked is not None or row.expires <= now:
        raise UnauthorizedError("the login session has ended: log in again", field="refresh_token")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise UnauthorizedError("this account is no longer active", field="refresh_token")
    row.revoked = now
    return user, start_session(session, user=user, lifetime=lifetime)


def logout(session: Session, *, refresh_token: str | None) -> None:
    row = _find_session(session, refresh_token or "")
    if row is not None and row.revoked is None:
        row.revoked = utcnow()
        user = session.get(User, row.user_id)
        name = user.username if user is not None else None
        AUDIT.audit_log(session, entity_type="user", entity_id=row.user_id, action="logout",
                        actor=Actor(kind="user", id=str(row.user_id), name=name), summary=f"{name} logged out")


# --- API tokens ------------------------------------------------------------------------------


def create_token(
    session: Session, *, owner: User, name: str, role: str, services: list[str] | None, expires: datetime | None,
) -> tuple[ApiToken, str]:
    """A new API token and its one-time plain text `sdb_<id>_<secret>`."""
    if _RANK[role] > _RANK[owner.role]:
        raise ForbiddenError(f"a token cannot have more than its owner's role ({owner.role})", field="role")
    if expires is not None and expires <= utcnow():
        raise ValidationProblem("expiry must be in the future", field="expires")
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    row = ApiToken(
        id=token_id, name=name, owner_id=owner.id, role=role,
        services=sorted(set(services)) if services is not None else None,
        secret_hash=digest(secret), expires=expires,
    )
    session.add(row)
    session.flush()
    return row, f"{API_TOKEN_PREFIX}{token_id}_{secret}"


def list_tokens(session: Session, *, owner_id: uuid.UUID | None) -> list[ApiToken]:
    query = select(ApiToken).order_by(ApiToken.created.desc())
    if owner_id is not None:
        query = query.where(ApiToken.owner_id == owner_id)
    return list(session.scalars(query))


def revoke_token(session: Session, *, token_id: str, by: Principal) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or (by.role != "admin" and str(row.owner_id) != by.id):
        raise NotFoundError(f"no API token with id {token_id}")
    if row.revoked is None:
        set_action(session, row, "revoke")
        row.revoked = utcnow()
        session.flush()
    return row


def introspect(session: Session, token: str) -> dict:
    """What an API token means right now: {"active": False} unless valid, unexpired, unrevoked."""
    body = token[len(API_TOKEN_PREFIX):] if token.startswith(API_TOKEN_PREFIX) else ""
    token_id, _, secret = body.partition("_")
    row = session.get(ApiToken, token_id) if token_id and secret else None
    now = utcnow()
    if row is None or not hmac.compare_digest(row.secret_hash, digest(secret)):
        return {"active": False}
    owner = session.get(User, row.owner_id)
    if row.revoked is not None or (row.expires is not None and row.expires <= now) or owner is None or not owner.active:
        return {"active": False}
    # Last use to the minute: enough to spot an idle token, without a write per request.
    if row.lastused is None or now - row.lastused > timedelta(minutes=1):
        row.lastused = now
    # A token never outranks its owner, even after the owner was demoted.
    role = min(row.role, owner.role, key=_RANK.__getitem__)
    return {"active": True, "id": row.id, "name": row.name, "role": role, "services": row.services,
            "owner": owner.username}


def principal_user(session: Session, principal: Principal) -> User:
    if principal.kind != "user":
        raise ForbiddenError("this needs a logged-in user, not an API token")
    return get_user(session, principal.id)


__all__ = [
    "AUDIT", "Backoff", "TooManyLoginsError", "count_admins", "create_token", "create_user", "find_user",
    "get_user", "introspect", "list_tokens", "login", "logout", "principal_user", "refresh", "revoke_token",
    "start_session", "update_user",
]
