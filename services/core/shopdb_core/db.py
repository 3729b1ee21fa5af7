"""Core's declarative base: every core table hangs off this metadata (and only core's)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shopdb_contract.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()
