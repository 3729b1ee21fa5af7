"""A directed link between two assets. With `inheritsposition` the source takes the target's
position when it has none of its own (ADR-001)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb_contract.auditing import audited
from shopdb_contract.db import UTCDateTime, new_uuid, utcnow
from shopdb_core.assets.models import Asset
from shopdb_core.db import Base


@audited("relationship")
class Relationship(Base):
    __tablename__ = "relationships"
    __table_args__ = (
        UniqueConstraint("source_id", "target_id", "type", name="uq_relationships_source_target_type"),
        CheckConstraint("source_id <> target_id", name="not_self"),
        Index("ix_relationships_source_id_inheritsposition", "source_id", "inheritsposition"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    type: Mapped[str] = mapped_column(ForeignKey("relationship_types.name"), index=True)
    source_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assets.id"))
    target_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assets.id"), index=True)
    inheritsposition: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    source: Mapped[Asset] = relationship(foreign_keys=[source_id], lazy="raise")
    target: Mapped[Asset] = relationship(foreign_keys=[target_id], lazy="raise")
