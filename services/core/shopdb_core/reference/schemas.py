"""Request bodies for reference data, and the small field types core's resources share."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Body(BaseModel):
    """Every request body refuses unknown fields, so a typo is an error, not a silent no-op."""

    model_config = ConfigDict(extra="forbid")


class VendorCreate(Body):
    name: Name


class VendorUpdate(Body):
    # A default of None with a non-optional type: leaving it out is fine, sending null is not.
    name: Name = None


class ModelCreate(Body):
    vendor: uuid.UUID
    name: Name


class ModelUpdate(Body):
    vendor: uuid.UUID = None
    name: Name = None
