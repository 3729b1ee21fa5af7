"""Core's signing keys: Ed25519, private halves encrypted at rest, public halves as a JWKS.

The private key is encrypted with Fernet under a key derived (HKDF-SHA256) from
SHOPDB_SECRET_KEY, so a copy of the database alone cannot mint tokens. Rotation adds a new
active key; the old one keeps signing nothing but stays in the JWKS until the last token it
signed has expired, so nobody is logged out by a rotation.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
import uuid
from datetime import timedelta
from typing import Any

import jwt
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb_contract.auditing import session_actor
from shopdb_contract.db import utcnow
from shopdb_contract.outbox import OutboxWriter
from shopdb_core.audit.models import Outbox
from shopdb_contract.tokens import AUDIENCE, ISSUER
from shopdb_core.identity.models import SigningKey

log = logging.getLogger("shopdb.auth")


def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"shopdb signing keys").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def create_key(session: Session, *, secret_key: str) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    kid = f"{utcnow():%Y%m%d}-{secrets.token_hex(4)}"
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(private.public_key()))
    row = SigningKey(
        kid=kid,
        private_key_encrypted=_fernet(secret_key).encrypt(raw),
        public_jwk={**public, "kid": kid, "alg": "EdDSA", "use": "sig"},
        active=True,
    )
    session.add(row)
    return row


def rotate(session: Session, *, secret_key: str) -> SigningKey:
    """Retire the active key(s) and make a new one; old tokens verify until they expire."""
    for row in session.scalars(select(SigningKey).where(SigningKey.active.is_(True))):
        row.active = False
        row.retired = utcnow()
    row = create_key(session, secret_key=secret_key)
    session.flush()
    # Only the kid: the key itself, even encrypted, never goes into an event.
    OutboxWriter(service="core", table=Outbox).audit_log(
        session, entity_type="signingkey", entity_id=row.kid, action="rotate", actor=session_actor(session),
        summary=f"token signing key {row.kid} now signs new tokens",
    )
    log.info("signing key rotated", extra={"kid": row.kid})
    return row


def active_key(session: Session, *, secret_key: str) -> tuple[str, Ed25519PrivateKey]:
    """The key to sign with; made on first use, and again if SHOPDB_SECRET_KEY changed."""
    row = session.scalars(
        select(SigningKey).where(SigningKey.active.is_(True)).order_by(SigningKey.created.desc())
    ).first()
    if row is not None:
        try:
            raw = _fernet(secret_key).decrypt(row.private_key_encrypted)
            return row.kid, Ed25519PrivateKey.from_private_bytes(raw)
        except InvalidToken:
            log.warning("signing key cannot be decrypted with SHOPDB_SECRET_KEY; making a new one",
                        extra={"kid": row.kid})
    row = rotate(session, secret_key=secret_key)
    return active_key(session, secret_key=secret_key)


def ensure_key(session: Session, *, secret_key: str) -> None:
    active_key(session, secret_key=secret_key)


def jwks(session: Session, *, token_lifetime: timedelta) -> dict[str, Any]:
    """The public keys a token may still be signed with: the active one and recent retirees."""
    cutoff = utcnow() - token_lifetime - timedelta(minutes=5)
    keys = []
    for row in session.scalars(select(SigningKey).order_by(SigningKey.created.desc())):
        if row.active or (row.retired is not None and row.retired > cutoff):
            keys.append(row.public_jwk)
    return {"keys": keys}


def sign_access_token(
    session: Session, *, secret_key: str, lifetime: timedelta, subject: str, name: str, role: str,
) -> tuple[str, int]:
    """A signed access token for a user and its lifetime in seconds."""
    kid, private = active_key(session, secret_key=secret_key)
    now = int(time.time())
    seconds = int(lifetime.total_seconds())
    claims = {
        "iss": ISSUER, "aud": AUDIENCE, "sub": subject, "name": name, "role": role, "kind": "user",
        "iat": now, "nbf": now, "exp": now + seconds, "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": kid}), seconds
