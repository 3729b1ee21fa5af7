"""Site settings: one row per key, the value any JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from shopdb_contract.auditing import audited
from shopdb_contract.db import UTCDateTime, utcnow
from shopdb_core.db import Base


@audited("setting")
class SiteSetting(Base):
    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    # "admin" or the service that wrote it.
    updatedby: Mapped[str] = mapped_column(String(31))
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
