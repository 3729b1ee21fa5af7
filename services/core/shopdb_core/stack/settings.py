"""What the local stack reads from the environment (prefix `SHOPDB_`) and `.env`."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shopdb_contract.settings import DEV_GATEWAY_TOKEN, DEV_REGISTRATION_SECRET


class StackSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SHOPDB_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    env: str = "development"
    var_dir: Path = Path("var")
    # Where the service folders are; default: the folder core itself is installed from.
    services_dir: Path | None = None

    gateway_port: int = Field(default=8080, ge=1, le=65535)
    # Preferred ports; a busy one is replaced by a free one (the gateway port is never moved).
    core_port: int = Field(default=8001, ge=1, le=65535)
    services_first_port: int = Field(default=8101, ge=1, le=65535)
    nats_port: int = Field(default=4250, ge=1, le=65535)

    # An existing NATS is used only when this is set; otherwise the bundled one is started.
    nats_url: str | None = None
    # One URL for every service (may contain "{service}"), else a SQLite file per service.
    database_url: str | None = None

    gateway_token: SecretStr = SecretStr(DEV_GATEWAY_TOKEN)
    registration_secret: SecretStr = SecretStr(DEV_REGISTRATION_SECRET)
    # The first admin's password on a site without an admin; generated and printed once if unset.
    admin_password: SecretStr | None = None

    @property
    def var_path(self) -> Path:
        return self.var_dir.resolve()
