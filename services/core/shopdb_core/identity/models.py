"""Users, core's signing keys, API tokens and login (refresh) sessions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shopdb_contract.auditing import audited
from shopdb_contract.db import UTCDateTime, new_uuid, utcnow
from shopdb_core.db import Base


# Login bookkeeping changes on every sign-in and is not a change anyone made to the account.
@audited("user", exclude=("failedlogins", "lockeduntil", "lastlogin"))
class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    username: Mapped[str] = mapped_column(String(80))
    # Lower-cased username: unique, so "Anna" and "anna" are one account on every backend.
    usernamekey: Mapped[str] = mapped_column(String(80), unique=True)
    displayname: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # argon2id, PHC string; the audit shows only that it changed.
    password_hash: Mapped[str] = mapped_column(String(255))
    failedlogins: Mapped[int] = mapped_column(Integer, default=0)
    lockeduntil: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lastlogin: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SigningKey(Base):
    """An Ed25519 key core signs access tokens with; the private half encrypted at rest."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(40), primary_key=True)
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a newer key takes over; the public key stays published until its tokens expire.
    retired: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


@audited("apitoken", exclude=("lastused",))
class ApiToken(Base):
    __tablename__ = "api_tokens"

    # The public part of `sdb_<id>_<secret>`: finds the row without scanning hashes.
    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    # Service names the token may be used with; None means every service.
    services: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    # SHA-256 of the secret part: the secret is 256 random bits, so a fast hash is enough.
    secret_hash: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lastused: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoginSession(Base):
    """One login: its refresh token (hashed) gets new access tokens until it expires or logs out."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
