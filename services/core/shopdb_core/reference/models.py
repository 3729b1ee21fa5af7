"""Reference tables. Types and statuses are keyed by their name, which is what the API shows."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb_contract.auditing import audited
from shopdb_contract.db import UTCDateTime, new_uuid, utcnow
from shopdb_core.db import Base


@audited("asset_type")
class AssetType(Base):
    __tablename__ = "asset_types"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    # The service whose manifest declared the type ("core" for the generic ones).
    service: Mapped[str] = mapped_column(String(31), index=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@audited("asset_status")
class AssetStatus(Base):
    __tablename__ = "asset_statuses"

    key: Mapped[str] = mapped_column(String(20), primary_key=True)
    label: Mapped[str] = mapped_column(String(50))
    sortorder: Mapped[int] = mapped_column(Integer, default=0)


@audited("relationship_type")
class RelationshipType(Base):
    __tablename__ = "relationship_types"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    # How the link reads from the target's side ("controlled by" for "controls").
    inverselabel: Mapped[str] = mapped_column(String(100))


@audited("vendor")
class Vendor(Base):
    __tablename__ = "vendors"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


@audited("model")
class AssetModel(Base):
    """A vendor's product model (e.g. a printer or controller model)."""

    __tablename__ = "asset_models"
    __table_args__ = (UniqueConstraint("vendor_id", "name", name="uq_asset_models_vendor_id_name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    vendor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vendors.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    vendor: Mapped[Vendor] = relationship(lazy="joined", innerjoin=True)
