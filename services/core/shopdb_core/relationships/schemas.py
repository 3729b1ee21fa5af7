"""Request bodies for relationships."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import StringConstraints

from shopdb_core.reference.schemas import Body

Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class RelationshipCreate(Body):
    type: Key
    source: uuid.UUID
    target: uuid.UUID
    inheritsposition: bool = False
    notes: str = ""


class RelationshipUpdate(Body):
    type: Key = None
    inheritsposition: bool = None
    notes: str = None
