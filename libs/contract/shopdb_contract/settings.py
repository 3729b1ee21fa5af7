"""Settings every service reads from the environment (prefix `SHOPDB_`) and `.env`.

Production mode refuses to start on settings that are fine on a laptop and dangerous on a
site, and lists every problem at once so an operator fixes them in one pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from typing_extensions import Annotated

__all__ = ["DEV_GATEWAY_TOKEN", "DEV_REGISTRATION_SECRET", "MIN_SECRET_LENGTH", "secret_problems",
    "ServiceSettings", "SettingsError"]

# Development values; production refuses them, so a forgotten secret fails loud.
DEV_REGISTRATION_SECRET = "dev-registration-secret-change-me"
DEV_GATEWAY_TOKEN = "dev-gateway-token-change-me"
MIN_SECRET_LENGTH = 32


class SettingsError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "refusing to start in production:\n" + "\n".join(f"  - {p}" for p in problems)
        )


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SHOPDB_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    env: Literal["development", "test", "production"] = "development"
    debug: bool = False
    log_level: str = "INFO"

    # Database: a SQLite file per service under var_dir unless a URL is given.
    database_url: str | None = None
    var_dir: Path = Path("var")
    allow_sqlite_in_production: bool = False

    # Where this service is reached by core and the gateway, and where core is.
    base_url: str = "http://127.0.0.1:8001"
    core_url: str = "http://127.0.0.1:8001"
    registration_secret: SecretStr = SecretStr(DEV_REGISTRATION_SECRET)
    heartbeat_interval: float = Field(default=5.0, gt=0)
    register_timeout: float = Field(default=120.0, gt=0)

    nats_url: str = "nats://127.0.0.1:4222"
    # Outbox relay and JetStream streams (ADR-008).
    relay_enabled: bool = True
    relay_batch_size: int = Field(default=500, ge=1, le=10000)
    # How long a relay holds rows it is publishing; rows of a relay that died wait this long.
    relay_lease_seconds: float = Field(default=30.0, gt=0)
    outbox_retention_hours: float = Field(default=24.0, gt=0)
    audit_stream_max_age_days: float = Field(default=30.0, gt=0)
    events_stream_max_age_days: float = Field(default=7.0, gt=0)
    stream_duplicate_window_seconds: float = Field(default=600.0, gt=0)
    stream_max_bytes: int = -1

    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Access tokens (ADR-009): core's public keys, from its JWKS URL (default
    # `{core_url}/api/auth/jwks.json`) or from a file (tests, air-gapped installs).
    jwks_url: str | None = None
    jwks_file: Path | None = None
    # How long an API token's answer from core is trusted: the bound on revocation.
    token_cache_seconds: float = Field(default=30.0, ge=0, le=3600)
    # Browser cookies carry `Secure` and the `__Host-` prefix; unset means "in production".
    cookie_secure: bool | None = None

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # From the environment the origins come comma-separated.
        if isinstance(value, str):
            return [o.strip() for o in value.split(",") if o.strip()]
        return value

    def stream_limits(self):
        from shopdb_contract.streams import StreamLimits

        return StreamLimits(
            audit_max_age_days=self.audit_stream_max_age_days,
            events_max_age_days=self.events_stream_max_age_days,
            duplicate_window_seconds=self.stream_duplicate_window_seconds,
            max_bytes=self.stream_max_bytes,
        )

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def secure_cookies(self) -> bool:
        return self.is_production if self.cookie_secure is None else self.cookie_secure

    def jwks_location(self) -> str:
        return self.jwks_url or f"{self.core_url.rstrip('/')}/api/auth/jwks.json"

    def database_url_for(self, service: str) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / f'{service}.db').as_posix()}"

    def production_problems(self, service: str) -> list[str]:
        """Everything that makes these settings unsafe for a site; empty when fine."""
        problems: list[str] = []
        problems += secret_problems("SHOPDB_REGISTRATION_SECRET", self.registration_secret, DEV_REGISTRATION_SECRET)
        if self.debug:
            problems.append("SHOPDB_DEBUG is on: turn it off in production")
        if "*" in self.cors_origins:
            problems.append("SHOPDB_CORS_ORIGINS contains '*': list the site's origins explicitly")
        if self.cookie_secure is False:
            problems.append("SHOPDB_COOKIE_SECURE is off: browser sessions need Secure cookies in production")
        if self.database_url_for(service).startswith("sqlite") and not self.allow_sqlite_in_production:
            problems.append(
                "SHOPDB_DATABASE_URL is SQLite: use MySQL/MariaDB, or set "
                "SHOPDB_ALLOW_SQLITE_IN_PRODUCTION=true if this site really means it"
            )
        return problems

    def validate_for_start(self, service: str) -> None:
        if self.is_production:
            problems = self.production_problems(service)
            if problems:
                raise SettingsError(problems)


def secret_problems(name: str, value: SecretStr | None, dev_default: str) -> list[str]:
    """Problems with a secret, never quoting the secret itself."""
    raw = value.get_secret_value() if value is not None else ""
    if not raw:
        return [f"{name} is missing"]
    if raw == dev_default:
        return [f"{name} is the development default: generate one (e.g. `openssl rand -hex 32`)"]
    if len(raw) < MIN_SECRET_LENGTH or len(set(raw)) < 8:
        return [f"{name} is weak: use at least {MIN_SECRET_LENGTH} random characters"]
    return []
