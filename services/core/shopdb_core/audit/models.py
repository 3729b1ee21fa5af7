"""Core's outbox (core audits its own changes through the same path) and the audit store."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shopdb_contract.db import UTCDateTime, utcnow
from shopdb_contract.outbox import outbox_table
from shopdb_core.db import Base

Outbox = outbox_table(Base.metadata)

_BIGINT = BigInteger().with_variant(Integer, "sqlite")


class AuditEvent(Base):
    """One change, as its service recorded it. `event_id` is unique: a redelivery is a no-op."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    service: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    actor_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    summary: Mapped[str | None] = mapped_column(String(500), nullable=True)

    __table_args__ = (
        Index("ix_audit_events_entity", "entity_id", "occurred_at"),
        Index("ix_audit_events_service_time", "service", "occurred_at"),
        Index("ix_audit_events_occurred", "occurred_at"),
        Index("ix_audit_events_actor", "actor_id", "occurred_at"),
    )


class AuditDeadLetter(Base):
    """A message the store could not take after several tries, kept with the reason for an admin."""

    __tablename__ = "audit_deadletters"

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    stream_sequence: Mapped[int] = mapped_column(_BIGINT, unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    data: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(1000))
    deliveries: Mapped[int] = mapped_column(Integer)
    parked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
