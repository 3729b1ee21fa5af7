"""One row per service that ever registered with this site's core (core's own row included)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shopdb_contract.auditing import audited
from shopdb_contract.db import UTCDateTime, utcnow
from shopdb_core.db import Base

# status values: what the last word from the service was.
REGISTERED = "registered"  # accepted; routed while enabled and heartbeating
REFUSED = "refused"  # its last registration was refused; refusal_type/reason say why
STOPPED = "stopped"  # it said it was stopping; it registers again when it restarts


# Heartbeats are not changes anyone made; they stay out of the audit.
@audited("service", exclude=("last_heartbeat", "registered_at"))
class RegisteredService(Base):
    __tablename__ = "registered_services"

    name: Mapped[str] = mapped_column(String(31), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    base_url: Mapped[str] = mapped_column(String(255))
    contract_version: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    refusal_type: Mapped[str | None] = mapped_column(String(100), default=None)
    refusal_reason: Mapped[str | None] = mapped_column(Text, default=None)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_heartbeat: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
