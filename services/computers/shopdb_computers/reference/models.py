"""Reference data of computers: the computer types a site sorts its PCs by."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shopdb_contract.auditing import audited
from shopdb_computers.db import Base


@audited("computer_type")
class ComputerType(Base):
    __tablename__ = "computer_types"

    key: Mapped[str] = mapped_column(String(30), primary_key=True)
    label: Mapped[str] = mapped_column(String(60))
    sortorder: Mapped[int] = mapped_column(Integer, default=0)


# Seeded by the baseline migration; a site adds its own through the API.
COMPUTER_TYPES = [
    ("shopfloor", "Shop floor"),
    ("engineering", "Engineering"),
    ("cmm", "CMM"),
    ("office", "Office"),
    ("kiosk", "Kiosk"),
    ("server", "Server"),
]


def computer_type_rows() -> list[dict]:
    return [{"key": k, "label": label, "sortorder": n * 10} for n, (k, label) in enumerate(COMPUTER_TYPES)]
