"""Request bodies of equipment. Core's fields (assetnumber, name, location, map position, notes)
travel with the details and are written to the core asset; the rest stays here."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from shopdb_contract.assetfields import AssetName, AssetNumber, Coordinate
MachineNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Key = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40)]
Text50 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Criticality = Literal["low", "medium", "high", "critical"]

# Fields kept by core, not here: sent on to the core asset.
CORE_FIELDS = ("assetnumber", "name", "location", "mapx", "mapy", "notes")


class Body(BaseModel):
    """Unknown fields are refused, so a typo is an error rather than a silent no-op."""

    model_config = ConfigDict(extra="forbid")


class EquipmentCreate(Body):
    machinenumber: MachineNumber
    equipmenttype: Key
    controllertype: Key | None = None
    controllerversion: Text50 = ""
    serialnumber: Text100 = ""
    department: Text100 = ""
    criticality: Criticality = "medium"
    # Core's side; the asset number defaults to the machine number, the name likewise.
    assetnumber: AssetNumber | None = None
    name: AssetName | None = None
    location: uuid.UUID | None = None
    mapx: Coordinate | None = None
    mapy: Coordinate | None = None
    notes: str | None = None


class EquipmentUpdate(Body):
    # A default of None with a non-optional type: leaving a field out is fine, sending null is not.
    machinenumber: MachineNumber = None
    equipmenttype: Key = None
    controllertype: Key | None = None
    controllerversion: Text50 = None
    serialnumber: Text100 = None
    department: Text100 = None
    criticality: Criticality = None
    # Fields a person locks against collector pushes (any of the collector's fields).
    locked_fields: list[str] = None
    assetnumber: AssetNumber = None
    name: AssetName = None
    location: uuid.UUID = None
    mapx: Coordinate = None
    mapy: Coordinate = None
    notes: str = None
