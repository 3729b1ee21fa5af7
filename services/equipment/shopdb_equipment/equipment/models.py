"""A machine tool's details, keyed by its core asset's UUID (no foreign key crosses to core).

Not `@audited`: the domain saga writes the audit events with entity id = the core asset's
UUID, so a create that never finished (a pending row) leaves no audit event behind.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shopdb_contract.db import UTCDateTime
from shopdb_contract.domainasset import DomainAssetMixin
from shopdb_equipment.db import Base

CRITICALITIES = ("low", "medium", "high", "critical")


class Equipment(DomainAssetMixin, Base):
    __tablename__ = "equipment"

    machinenumber: Mapped[str] = mapped_column(String(32), unique=True)
    equipmenttype: Mapped[str] = mapped_column(ForeignKey("equipment_types.key"), index=True)
    controllertype: Mapped[str | None] = mapped_column(ForeignKey("controller_types.key"), index=True)
    controllerversion: Mapped[str] = mapped_column(String(50), default="")
    serialnumber: Mapped[str] = mapped_column(String(100), default="", index=True)
    department: Mapped[str] = mapped_column(String(100), default="", index=True)
    criticality: Mapped[str] = mapped_column(String(10), default="medium", index=True)
    # Collector push (ADR-006): when a collector last reported it, what it said (a hash),
    # and the fields a person locked against collectors.
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    collectorhash: Mapped[str | None] = mapped_column(String(40), nullable=True)
    locked_fields: Mapped[list] = mapped_column(JSON, default=list)
