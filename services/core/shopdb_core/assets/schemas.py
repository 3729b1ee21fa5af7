"""Request bodies for assets. Create and update take ids for location, vendor and model; the
answers show them as {id, name}."""

from __future__ import annotations

import uuid
# The field types are the contract's, defined once for core and every domain service.
from shopdb_contract.assetfields import AssetName, AssetNumber, Coordinate, Key, SerialNumber
from shopdb_core.reference.schemas import Body

__all__ = ["AssetBulkUpdate", "AssetCreate", "AssetName", "AssetNumber", "AssetUpdate", "Coordinate", "Key", "SerialNumber"]


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
