"""Reference data routes, mounted before /api/equipment/{id}."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from shopdb_contract.deps import DbSession
from shopdb_equipment.reference import service

router = APIRouter(prefix="/api/equipment", tags=["reference"])


@router.get("/types")
def list_equipment_types(session: DbSession) -> dict[str, Any]:
    rows = [service.equipment_type_out(r) for r in service.list_equipment_types(session)]
    return {"count": len(rows), "results": rows}


@router.get("/controllertypes")
def list_controller_types(session: DbSession) -> dict[str, Any]:
    rows = [service.controller_type_out(r) for r in service.list_controller_types(session)]
    return {"count": len(rows), "results": rows}
