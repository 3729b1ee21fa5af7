"""Core's settings: the service settings plus what only core needs."""

from __future__ import annotations

from pydantic import Field, SecretStr

from shopdb_contract.settings import DEV_GATEWAY_TOKEN, ServiceSettings, secret_problems

# Development value; production refuses it.
DEV_SECRET_KEY = "dev-secret-key-change-me"


class CoreSettings(ServiceSettings):
    # Traefik sends this header when it polls the route source; nobody else knows it.
    gateway_token: SecretStr = SecretStr(DEV_GATEWAY_TOKEN)
    # A service whose last heartbeat is older than this is unhealthy and unrouted.
    heartbeat_timeout: float = Field(default=15.0, gt=0)
    # How long the audit store may hold a message unacknowledged before JetStream gives it to
    # the store again (after core died mid-batch, say). Set when the consumer is first created.
    audit_ack_wait_seconds: float = Field(default=30.0, gt=0)

    # Encrypts core's token signing keys at rest (ADR-009); changing it retires those keys.
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    access_token_minutes: float = Field(default=15.0, gt=0, le=24 * 60)
    refresh_token_hours: float = Field(default=12.0, gt=0, le=24 * 90)
    # Per-account back-off: after this many failed logins in a row, wait before the next try,
    # the wait doubling with each further failure up to the maximum.
    login_max_failures: int = Field(default=5, ge=1)
    login_backoff_seconds: float = Field(default=30.0, gt=0)
    login_backoff_max_seconds: float = Field(default=900.0, gt=0)

    def production_problems(self, service: str) -> list[str]:
        problems = super().production_problems(service)
        problems += secret_problems("SHOPDB_GATEWAY_TOKEN", self.gateway_token, DEV_GATEWAY_TOKEN)
        problems += secret_problems("SHOPDB_SECRET_KEY", self.secret_key, DEV_SECRET_KEY)
        if self.jwks_file is not None:
            problems.append("SHOPDB_JWKS_FILE is set on core: in production core trusts only its own signing keys")
        return problems
