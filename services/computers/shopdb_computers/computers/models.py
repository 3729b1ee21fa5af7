"""A computer's details, keyed by its core asset's UUID (no foreign key crosses services).

Not `@audited`: audit events are written by the service functions and the collector with
entity id = the core asset's UUID, applications and interfaces included, so the asset's
history in core shows one event per change of the PC.

Installed applications are one row per computer (ADR-010): the list as one JSON document
plus its distinct names between separators for "which PCs have X installed". A collector's
first push of 1,000 PCs with 40 applications each then writes 1,000 rows instead of 40,000,
and the applications are always read, replaced and audited as a whole list anyway.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from typing import Any

import orjson
from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb_contract.db import UTCDateTime
from shopdb_contract.domainasset import DomainAssetMixin
from shopdb_computers.db import Base

_BIGINT = BigInteger().with_variant(Integer, "sqlite")
# Up to 2,000 applications of ~250 characters: beyond MySQL's 64 KB TEXT.
DOCUMENT = Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
# Between (and around) the names in `ApplicationList.names`: a control character no
# application name carries in practice (one that does is indexed with a blank instead).
SEPARATOR = "\x1f"


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

    application_list: Mapped[ApplicationList | None] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True, uselist=False
    )
    interfaces: Mapped[list[Interface]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True, order_by="Interface.id"
    )


class ApplicationList(Base):
    """A computer's installed applications; no row when it has none."""

    __tablename__ = "computer_applications"

    computer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("computers.id", ondelete="CASCADE"), primary_key=True)
    # [{name, version, publisher}] in the order given, as JSON text (written with orjson).
    document: Mapped[str] = mapped_column(DOCUMENT)
    # SEPARATOR + distinct names joined by SEPARATOR + SEPARATOR: an exact name is found with
    # INSTR (case-sensitive on SQLite, by the column's collation on MariaDB, as `=` was).
    names: Mapped[str] = mapped_column(DOCUMENT)
    count: Mapped[int] = mapped_column(Integer)


def application_item(raw: dict[str, Any]) -> dict[str, Any]:
    return {"name": raw["name"], "version": raw.get("version") or "", "publisher": raw.get("publisher") or ""}


def application_row(computer_id: uuid.UUID, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The row of `ApplicationList` for normalised items (see `application_item`)."""
    names = dict.fromkeys(i["name"].replace(SEPARATOR, " ") for i in items)
    return {
        "computer_id": computer_id, "document": orjson.dumps(items).decode("utf-8"),
        "names": SEPARATOR + SEPARATOR.join(names) + SEPARATOR, "count": len(items),
    }


def application_items(document: str | None) -> list[dict[str, Any]]:
    return orjson.loads(document) if document else []


class Interface(Base):
    __tablename__ = "computer_interfaces"

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    computer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("computers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    mac: Mapped[str] = mapped_column(String(17), default="", index=True)
    ipaddresses: Mapped[list[str]] = mapped_column(JSON, default=list)
