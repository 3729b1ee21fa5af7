"""A machine tool's details, keyed by its core asset's UUID (no foreign key crosses to core)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shopdb_contract.auditing import audited
from shopdb_contract.db import UTCDateTime, utcnow
from shopdb_equipment.db import Base

CRITICALITIES = ("low", "medium", "high", "critical")


@audited("equipment")
class Equipment(Base):
    __tablename__ = "equipment"

    # The core asset's UUID: audit events of the details then merge into the asset's history.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    machinenumber: Mapped[str] = mapped_column(String(32), unique=True)
    equipmenttype: Mapped[str] = mapped_column(ForeignKey("equipment_types.key"), index=True)
    controllertype: Mapped[str | None] = mapped_column(ForeignKey("controller_types.key"), index=True)
    controllerversion: Mapped[str] = mapped_column(String(50), default="")
    serialnumber: Mapped[str] = mapped_column(String(100), default="", index=True)
    department: Mapped[str] = mapped_column(String(100), default="", index=True)
    criticality: Mapped[str] = mapped_column(String(10), default="medium", index=True)
    # Mirrors the core asset: set by a delete here or by a retire in core, cleared by a restore.
    retired: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
