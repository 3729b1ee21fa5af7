"""Equipment's declarative base: every equipment table hangs off this metadata (and only equipment's)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shopdb_contract.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()
