"""Computer types: listed, created; a computer's type must be one of them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb_contract.errors import ConflictError, ValidationProblem
from shopdb_computers.reference.models import ComputerType


def computer_type_out(row: ComputerType) -> dict:
    return {"key": row.key, "label": row.label, "sortorder": row.sortorder}


def list_computer_types(session: Session) -> list[ComputerType]:
    return list(session.scalars(select(ComputerType).order_by(ComputerType.sortorder, ComputerType.key)))


def require_computer_type(session: Session, *, key: str, field: str = "computertype") -> ComputerType:
    row = session.get(ComputerType, key)
    if row is None:
        known = ", ".join(r.key for r in list_computer_types(session))
        raise ValidationProblem(f"no computer type {key!r}; known: {known}", field=field)
    return row


def create_computer_type(session: Session, *, key: str, label: str, sortorder: int = 100) -> ComputerType:
    if session.get(ComputerType, key) is not None:
        raise ConflictError(f"computer type {key!r} exists", field="key")
    row = ComputerType(key=key, label=label, sortorder=sortorder)
    session.add(row)
    session.flush()
    return row
