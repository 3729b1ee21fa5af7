"""Request bodies for locations."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field, StringConstraints

from shopdb_core.reference.schemas import Body, Name

Kind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,29}$")]
Coordinate = Annotated[float, Field(allow_inf_nan=False)]


class LocationCreate(Body):
    name: Name
    kind: Kind = "area"
    parent: uuid.UUID | None = None
    mapx: Coordinate | None = None
    mapy: Coordinate | None = None
    description: str = ""


class LocationUpdate(Body):
    # Non-optional types with a None default: omit to keep, null only where null means "none".
    name: Name = None
    kind: Kind = None
    parent: uuid.UUID | None = None
    mapx: Coordinate | None = None
    mapy: Coordinate | None = None
    description: str = None
