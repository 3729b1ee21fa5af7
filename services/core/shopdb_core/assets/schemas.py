"""Request bodies for assets. Create and update take ids for location, vendor and model; the
answers show them as {id, name}."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field, StringConstraints

from shopdb_core.reference.schemas import Body

AssetNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
AssetName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
SerialNumber = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Coordinate = Annotated[float, Field(allow_inf_nan=False)]


class AssetCreate(Body):
    assetnumber: AssetNumber
    name: AssetName
    type: Key
    status: Key = "in_use"
    location: uuid.UUID | None = None
    vendor: uuid.UUID | None = None
    model: uuid.UUID | None = None
    serialnumber: SerialNumber = ""
    mapx: Coordinate | None = None
    mapy: Coordinate | None = None
    notes: str = ""


class AssetUpdate(Body):
    # Non-optional types with a None default: omit a field to keep it; null is refused where
    # the asset cannot be without it, and clears it where it can (location, mapx, ...).
    assetnumber: AssetNumber = None
    name: AssetName = None
    type: Key = None
    status: Key = None
    location: uuid.UUID | None = None
    vendor: uuid.UUID | None = None
    model: uuid.UUID | None = None
    serialnumber: SerialNumber = None
    mapx: Coordinate | None = None
    mapy: Coordinate | None = None
    notes: str = None


class AssetBulkUpdate(AssetUpdate):
    id: uuid.UUID
