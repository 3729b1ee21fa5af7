"""Reference data of machine tools, keyed by a short key the API and the CSV import show."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shopdb_contract.auditing import audited
from shopdb_equipment.db import Base


@audited("equipment_type")
class EquipmentType(Base):
    __tablename__ = "equipment_types"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    sortorder: Mapped[int] = mapped_column(Integer, default=0)


@audited("controller_type")
class ControllerType(Base):
    __tablename__ = "controller_types"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    # The maker, for the list a person picks from ("Fanuc" makes "Fanuc 31i").
    vendor: Mapped[str] = mapped_column(String(100), default="")
