"""The generic asset. Domain services key their details by `id`; no foreign key crosses over."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Double, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from shopdb_contract.auditing import audited
from shopdb_contract.db import UTCDateTime, new_uuid, utcnow
from shopdb_core.db import Base
from shopdb_core.locations.models import Location
from shopdb_core.reference.models import AssetModel, Vendor


def assetnumber_key(value: str) -> str:
    """The form asset numbers are compared in: without case."""
    return value.casefold()


@audited("asset", exclude=("assetnumberkey",))
class Asset(Base):
    __tablename__ = "assets"
    # The list filters by type, status or location and orders by assetnumber by default: each
    # index walks one filter value in assetnumber order, and carries status so the default
    # "not retired" condition and the count are answered from the index alone.
    __table_args__ = (
        Index("ix_assets_type_assetnumber_status", "type", "assetnumber", "status"),
        Index("ix_assets_status_assetnumber", "status", "assetnumber"),
        Index("ix_assets_location_id_assetnumber_status", "location_id", "assetnumber", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    assetnumber: Mapped[str] = mapped_column(String(64), unique=True)
    # Asset numbers are unique regardless of case (`g-0001` is `G-0001`), on every database:
    # the folded form is the unique key, kept by `assetnumber`'s validator.
    assetnumberkey: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    type: Mapped[str] = mapped_column(ForeignKey("asset_types.name"))
    status: Mapped[str] = mapped_column(ForeignKey("asset_statuses.key"))
    location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"))
    vendor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("vendors.id"), index=True)
    model_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("asset_models.id"), index=True)
    serialnumber: Mapped[str] = mapped_column(String(100), default="", index=True)
    mapx: Mapped[float | None] = mapped_column(Double)
    mapy: Mapped[float | None] = mapped_column(Double)
    notes: Mapped[str] = mapped_column(Text, default="")
    # The status a soft delete replaced, so a restore puts the asset back as it was.
    retiredfrom: Mapped[str | None] = mapped_column(String(20))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)

    @validates("assetnumber")
    def _fold_assetnumber(self, _key: str, value: str) -> str:
        self.assetnumberkey = assetnumber_key(value)
        return value

    location: Mapped[Location | None] = relationship(lazy="raise")
    vendor: Mapped[Vendor | None] = relationship(lazy="raise")
    model: Mapped[AssetModel | None] = relationship(lazy="raise")
