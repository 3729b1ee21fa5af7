"""The core asset's fields, defined once: their names and the request types every service's
bodies use for them (core's own API, and each domain service's create and update bodies).

Core owns the generic asset (DESIGN: data ownership): its UUID, asset number, name, type,
status, location, vendor, model, serial number, map position and notes. A domain service
accepts the ones it lets people set beside its details and writes them to core.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

__all__ = [
    "CORE_ASSET_FIELDS", "AssetName", "AssetNumber", "Coordinate", "Key", "SerialNumber",
]

# The fields of a core asset a domain record may show beside its details, in display order.
CORE_ASSET_FIELDS = (
    "assetnumber", "name", "status", "location", "vendor", "model", "serialnumber", "mapx", "mapy", "notes",
)

AssetNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
AssetName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
SerialNumber = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Coordinate = Annotated[float, Field(allow_inf_nan=False)]
