"""A gauge's details keyed by its core asset's UUID, its kinds, and its request bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shopdb_contract.assetfields import AssetName, AssetNumber
from shopdb_contract.db import UTCDateTime
from shopdb_contract.domainasset import DomainAssetMixin, idempotency_table
from shopdb_contract.outbox import outbox_table
from shopdb_gauges.db import Base

KINDS = [("caliper", "Caliper"), ("micrometer", "Micrometer"), ("bore", "Bore gauge"), ("height", "Height gauge")]


class GaugeKind(Base):
    __tablename__ = "gauge_kinds"

    key: Mapped[str] = mapped_column(String(30), primary_key=True)
    label: Mapped[str] = mapped_column(String(60))


class Gauge(DomainAssetMixin, Base):
    __tablename__ = "gauges"

    gaugenumber: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(ForeignKey("gauge_kinds.key"), index=True)
    lab: Mapped[str] = mapped_column(String(100), default="")
    resolution_um: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    collectorhash: Mapped[str | None] = mapped_column(String(40), nullable=True)
    locked_fields: Mapped[list] = mapped_column(JSON, default=list)


Outbox = outbox_table(Base.metadata)
Idempotency = idempotency_table(Base.metadata)

Number = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Key = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=30)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Resolution = Annotated[int, Field(ge=0, le=100000)]


class GaugeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    gaugenumber: Number
    kind: Key
    lab: Text = ""
    resolution_um: Resolution | None = None
    assetnumber: AssetNumber | None = None
    name: AssetName | None = None
    location: uuid.UUID | None = None


class GaugeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    gaugenumber: Number = None
    kind: Key = None
    lab: Text = None
    resolution_um: Resolution | None = None
    locked_fields: list[str] = None
    assetnumber: AssetNumber = None
    name: AssetName = None
    location: uuid.UUID = None
