"""Computer types: a site adds its own (the list and the check are the declared reference's)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shopdb_contract.errors import ConflictError
from shopdb_computers.reference.models import ComputerType


def computer_type_out(row: ComputerType) -> dict:
    return {"key": row.key, "label": row.label, "sortorder": row.sortorder}


def create_computer_type(session: Session, *, key: str, label: str, sortorder: int = 100) -> ComputerType:
    if session.get(ComputerType, key) is not None:
        raise ConflictError(f"computer type {key!r} exists", field="key")
    row = ComputerType(key=key, label=label, sortorder=sortorder)
    session.add(row)
    session.flush()
    return row
