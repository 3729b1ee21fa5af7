"""What the identity endpoints take and give. Password hashes and token secrets never appear
in a response, except a new API token's secret, once, at creation."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Role = Literal["viewer", "editor", "admin"]
SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{1,30}$")
USERNAME = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,79}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginRequest(Strict):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class RefreshRequest(Strict):
    refresh_token: str | None = Field(default=None, max_length=200)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    username: str
    displayname: str
    role: Role
    active: bool
    lastlogin: datetime | None
    created: datetime


class LoginResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    refresh_token: str
    csrf_token: str
    user: UserRead


class Me(BaseModel):
    id: str
    name: str
    kind: Literal["user", "token"]
    role: Role
    services: list[str] | None
    user: UserRead | None = None


class UserCreate(Strict):
    username: str = Field(pattern=USERNAME)
    password: str = Field(max_length=1024)
    displayname: str = Field(default="", max_length=200)
    role: Role = "viewer"


class UserUpdate(Strict):
    displayname: str | None = Field(default=None, max_length=200)
    role: Role | None = None
    active: bool | None = None
    password: str | None = Field(default=None, max_length=1024)


def _services(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    if not value:
        raise ValueError("give at least one service, or leave services out for every service")
    for name in value:
        if not SERVICE_NAME.match(name):
            raise ValueError(f"{name!r} is not a service name")
    return value


class ApiTokenCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    role: Role = "viewer"
    services: list[str] | None = None
    expires: datetime | None = None
    owner_id: uuid.UUID | None = None

    _check_services = field_validator("services")(classmethod(lambda cls, v: _services(v)))


class ApiTokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    owner_id: uuid.UUID
    role: Role
    services: list[str] | None
    created: datetime
    expires: datetime | None
    revoked: datetime | None
    lastused: datetime | None


class ApiTokenCreated(ApiTokenRead):
    # Shown once: core keeps only its digest.
    token: str


class IntrospectRequest(Strict):
    token: str = Field(max_length=500)
