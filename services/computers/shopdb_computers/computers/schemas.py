"""Request bodies for computers. Core's fields (assetnumber, name, location, serialnumber) are
accepted beside the details and written to the core asset."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shopdb_contract.assetfields import AssetName, AssetNumber, SerialNumber

Hostname = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=63, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
Text = lambda n: Annotated[str, StringConstraints(strip_whitespace=True, max_length=n)]  # noqa: E731
Mac = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^([0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5})?$")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApplicationIn(Body):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    version: Text(100) = ""
    publisher: Text(200) = ""


class InterfaceIn(Body):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    mac: Mac = ""
    ipaddresses: list[Text(45)] = Field(default_factory=list, max_length=32)


class ComputerCreate(Body):
    hostname: Hostname
    computertype: Text(30) | None = None
    osname: Text(100) = ""
    osversion: Text(50) = ""
    osbuild: Text(50) = ""
    domain: Text(100) = ""
    lastuser: Text(100) = ""
    lastboot: datetime | None = None
    cpu: Text(200) = ""
    memory_mb: int | None = Field(default=None, ge=0)
    disk_gb: int | None = Field(default=None, ge=0)
    warrantyend: date | None = None
    source: Text(40) = "manual"
    locked_fields: list[str] = Field(default_factory=list)
    applications: list[ApplicationIn] = Field(default_factory=list, max_length=2000)
    interfaces: list[InterfaceIn] = Field(default_factory=list, max_length=64)
    # The core asset's fields; assetnumber and name default to the hostname.
    assetnumber: AssetNumber | None = None
    name: AssetName | None = None
    location: uuid.UUID | None = None
    serialnumber: SerialNumber = ""


class ComputerUpdate(Body):
    # Omit a field to keep it; null clears the optional ones.
    hostname: Hostname = None
    computertype: Text(30) | None = None
    osname: Text(100) = None
    osversion: Text(50) = None
    osbuild: Text(50) = None
    domain: Text(100) = None
    lastuser: Text(100) = None
    lastboot: datetime | None = None
    cpu: Text(200) = None
    memory_mb: int | None = Field(default=None, ge=0)
    disk_gb: int | None = Field(default=None, ge=0)
    warrantyend: date | None = None
    source: Text(40) = None
    locked_fields: list[str] = None
    applications: list[ApplicationIn] = Field(default=None, max_length=2000)
    interfaces: list[InterfaceIn] = Field(default=None, max_length=64)
    assetnumber: AssetNumber = None
    name: AssetName = None
    location: uuid.UUID = None
    serialnumber: SerialNumber = None
