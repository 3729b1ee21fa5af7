"""Computers' declarative base: every computers table hangs off this metadata (and only theirs)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shopdb_contract.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()
