"""The location tree. Depth is free; `kind` says what a level is (site, building, area, cell)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Double, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb_contract.auditing import audited
from shopdb_contract.db import UTCDateTime, new_uuid, utcnow
from shopdb_core.db import Base


@audited("location")
class Location(Base):
    __tablename__ = "locations"
    # Sibling names are unique so a path such as "Plant 1 / Hall 2 / Cell 3" names one place.
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_locations_parent_id_name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"), index=True)
    mapx: Mapped[float | None] = mapped_column(Double)
    mapy: Mapped[float | None] = mapped_column(Double)
    description: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped[Location | None] = relationship(remote_side=[id], lazy="raise")
