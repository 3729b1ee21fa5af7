"""Equipment and controller types: read by every form, checked on every write."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb_contract.errors import ValidationProblem
from shopdb_equipment.reference.models import ControllerType, EquipmentType


def list_equipment_types(session: Session) -> list[EquipmentType]:
    return list(session.scalars(select(EquipmentType).order_by(EquipmentType.sortorder, EquipmentType.key)))


def list_controller_types(session: Session) -> list[ControllerType]:
    return list(session.scalars(select(ControllerType).order_by(ControllerType.key)))


def equipment_type_out(row: EquipmentType) -> dict[str, Any]:
    return {"key": row.key, "label": row.label}


def controller_type_out(row: ControllerType) -> dict[str, Any]:
    return {"key": row.key, "label": row.label, "vendor": row.vendor}


def require_equipment_type(session: Session, *, key: str) -> EquipmentType:
    row = session.get(EquipmentType, key)
    if row is None:
        known = ", ".join(r.key for r in list_equipment_types(session))
        raise ValidationProblem(f"no equipment type {key!r}; known: {known}", field="equipmenttype")
    return row


def require_controller_type(session: Session, *, key: str) -> ControllerType:
    row = session.get(ControllerType, key)
    if row is None:
        known = ", ".join(r.key for r in list_controller_types(session))
        raise ValidationProblem(f"no controller type {key!r}; known: {known}", field="controllertype")
    return row
