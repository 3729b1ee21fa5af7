"""Tokens for any service's tests, without a running core.

A `SigningKey` plays core's part: it signs access tokens the way core does and writes its
JWKS to a file; point the service at that file with `ServiceSettings(jwks_file=...)` (or
SHOPDB_JWKS_FILE for a real process) and its tokens verify like core's.

    keys = signing_key()                       # one key per test process
    settings = ServiceSettings(jwks_file=keys.jwks_file(), ...)
    client.get("/api/widgets", headers=keys.headers("viewer"))
    client.post("/api/collector/widgets", headers=keys.headers("editor", services=["widgets"]))

`keys.token(...)` also makes the bad tokens a test needs: expired, another audience...
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shopdb_contract.tokens import AUDIENCE, ISSUER

__all__ = ["bearer", "signing_key", "SigningKey", "tampered", "unsigned_token"]


@dataclass
class SigningKey:
    private_key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    kid: str = field(default_factory=lambda: f"test-{uuid.uuid4().hex[:12]}")
    _jwks_path: Path | None = None

    def jwk(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "alg": "EdDSA", "use": "sig"}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.jwk()]}

    def jwks_file(self, directory: Path | None = None) -> Path:
        """The JWKS written to a file (once per key unless a directory is given)."""
        if directory is None and self._jwks_path is not None:
            return self._jwks_path
        folder = Path(directory) if directory is not None else Path(tempfile.mkdtemp(prefix="shopdb-jwks-"))
        path = folder / f"{self.kid}.jwks.json"
        path.write_text(json.dumps(self.jwks()), encoding="utf-8")
        if directory is None:
            self._jwks_path = path
        return path

    def token(
        self,
        role: str = "viewer",
        *,
        subject: str | None = None,
        name: str | None = None,
        kind: str = "user",
        services: list[str] | None = None,
        expires_in: float = 300,
        audience: str = AUDIENCE,
        issuer: str = ISSUER,
        kid: str | None = None,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload = {
            "iss": issuer, "aud": audience, "sub": subject or f"test-{role}", "name": name or f"test-{role}",
            "role": role, "kind": kind, "iat": now, "exp": now + int(expires_in), "jti": uuid.uuid4().hex,
            **claims,
        }
        if services is not None:
            payload["services"] = services
        return jwt.encode(payload, self.private_key, algorithm="EdDSA", headers={"kid": kid or self.kid})

    def headers(self, role: str = "viewer", **kw: Any) -> dict[str, str]:
        return bearer(self.token(role, **kw))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@lru_cache(maxsize=1)
def signing_key() -> SigningKey:
    """One signing key per test process, its JWKS in a temporary file."""
    return SigningKey()


def unsigned_token(role: str = "admin", **claims: Any) -> str:
    """An `alg: none` token: what an attacker sends hoping verification is skipped."""
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": "intruder", "role": role, "iat": now, "exp": now + 300, **claims}
    return jwt.encode(payload, None, algorithm="none", headers={"kid": "none"})


def tampered(token: str, **claims: Any) -> str:
    """`token` with its payload changed after signing: the signature no longer fits."""
    header, payload, signature = token.split(".")
    data = json.loads(jwt.utils.base64url_decode(payload))
    data.update(claims)
    forged = jwt.utils.base64url_encode(json.dumps(data).encode()).decode()
    return f"{header}.{forged}.{signature}"
