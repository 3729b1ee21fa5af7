"""The gauges' declarative base (their own metadata only)."""

from sqlalchemy.orm import DeclarativeBase

from shopdb_contract.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()
