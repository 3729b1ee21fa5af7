"""A computer's details, keyed by its core asset's UUID (no foreign key crosses services).

Not `@audited`: audit events are written by the service functions and the collector with
entity id = the core asset's UUID, applications and interfaces included, so the asset's
history in core shows one event per change of the PC.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb_contract.db import UTCDateTime
from shopdb_contract.domainasset import DomainAssetMixin
from shopdb_computers.db import Base

_BIGINT = BigInteger().with_variant(Integer, "sqlite")


class Computer(DomainAssetMixin, Base):
    __tablename__ = "computers"

    hostname: Mapped[str] = mapped_column(String(63))
    # Hostnames are case-insensitive (DNS, NetBIOS): the folded form is the unique key.
    hostname_key: Mapped[str] = mapped_column(String(63), unique=True)
    computertype: Mapped[str | None] = mapped_column(ForeignKey("computer_types.key"), index=True)
    osname: Mapped[str] = mapped_column(String(100), default="", index=True)
    osversion: Mapped[str] = mapped_column(String(50), default="")
    osbuild: Mapped[str] = mapped_column(String(50), default="")
    domain: Mapped[str] = mapped_column(String(100), default="")
    lastuser: Mapped[str] = mapped_column(String(100), default="")
    lastboot: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cpu: Mapped[str] = mapped_column(String(200), default="")
    memory_mb: Mapped[int | None] = mapped_column(Integer)
    disk_gb: Mapped[int | None] = mapped_column(Integer)
    warrantyend: Mapped[date | None] = mapped_column(Date)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    source: Mapped[str] = mapped_column(String(40), default="manual")
    # Fields a person fixed by hand: no collector overwrites them.
    locked_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What the collector last said (sha1 of the record as pushed): equal means nothing to do.
    collector_hash: Mapped[str | None] = mapped_column(String(40))
    applications_hash: Mapped[str | None] = mapped_column(String(40))
    interfaces_hash: Mapped[str | None] = mapped_column(String(40))

    applications: Mapped[list[Application]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True, order_by="Application.id"
    )
    interfaces: Mapped[list[Interface]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True, order_by="Interface.id"
    )


class Application(Base):
    __tablename__ = "computer_applications"
    # "Which PCs have X installed": the name first, the computer beside it.
    __table_args__ = (Index("ix_computer_applications_name_computer", "name", "computer_id"),)

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    computer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("computers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(100), default="")
    publisher: Mapped[str] = mapped_column(String(200), default="")


class Interface(Base):
    __tablename__ = "computer_interfaces"

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    computer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("computers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    mac: Mapped[str] = mapped_column(String(17), default="", index=True)
    ipaddresses: Mapped[list[str]] = mapped_column(JSON, default=list)
