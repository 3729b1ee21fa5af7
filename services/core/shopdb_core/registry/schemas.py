"""What the registry takes in and hands out."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, field_validator


class RegisterRequest(BaseModel):
    """Sent by shopdb_contract.registration when a service starts."""

    model_config = ConfigDict(extra="forbid")

    # Kept raw here: shopdb_contract.manifest.parse_manifest reports its problems field by field.
    manifest: dict[str, Any]
    base_url: str
    contract_version: str

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as http://computers:8000")
        if parts.query or parts.fragment:
            raise ValueError("must not carry a query or fragment")
        return value.rstrip("/")

    @field_validator("contract_version")
    @classmethod
    def _version(cls, value: str) -> str:
        try:
            Version(value)
        except InvalidVersion as exc:
            raise ValueError(f"{value!r} is not a PEP 440 version") from exc
        return value


class HeartbeatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str | None = None


class Refusal(BaseModel):
    type: str
    reason: str


class ServiceRead(BaseModel):
    name: str
    version: str
    description: str
    status: str
    enabled: bool
    healthy: bool
    # True when the gateway routes to it: registered, enabled and healthy.
    routed: bool
    base_url: str
    contract_version: str
    core_version: str
    refusal: Refusal | None
    registered_at: datetime
    last_heartbeat: datetime | None


class ServiceDetail(ServiceRead):
    # asset types, collector schema, navigation, widgets, events: as the service declared them.
    manifest: dict[str, Any]


class ServiceList(BaseModel):
    count: int
    results: list[ServiceRead]
