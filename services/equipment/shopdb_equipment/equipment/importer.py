"""CSV import of machines, upserted by machine number (the contract's importer, ADR-005).

Columns: the fields of a machine's create body. Aliases for the headers legacy machine lists
use: `machine`/`machineno` (machinenumber), `type` (equipmenttype), `controller`
(controllertype), `serial` (serialnumber). Rows are checked and written by the same functions
as `POST` and `PATCH /api/equipment`.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from sqlalchemy import func, select

from shopdb_contract.domainasset import PENDING, DomainAssets
from shopdb_contract.importer import Existing, ImportSpec, asset_values, import_router
from shopdb_contract.outbox import Actor, OutboxWriter
from shopdb_equipment.equipment import service
from shopdb_equipment.equipment.models import Equipment
from shopdb_equipment.equipment.schemas import CORE_FIELDS, EquipmentCreate, EquipmentUpdate

SPEC = ImportSpec(
    identityfield="machinenumber",
    fields=(*service.DETAIL_FIELDS, *CORE_FIELDS),
    aliases={"machine": "machinenumber", "machineno": "machinenumber", "type": "equipmenttype",
             "controller": "controllertype", "serial": "serialnumber"},
)


class EquipmentImport:
    create_model = EquipmentCreate
    update_model = EquipmentUpdate

    def __init__(self, domain: DomainAssets, writer: OutboxWriter) -> None:
        self.domain = domain
        self.writer = writer

    def existing(self, keys: list[str], *, columns: set[str]) -> dict[str, Existing]:
        if not keys:
            return {}
        with self.domain.database.session() as session:
            rows = list(session.scalars(
                select(Equipment).where(func.lower(Equipment.machinenumber).in_(keys), Equipment.state != PENDING)
            ))
        core_columns = [name for name in CORE_FIELDS if name in columns]
        found = {}
        for row in rows:
            values: dict[str, Any] = {name: getattr(row, name) for name in service.DETAIL_FIELDS}
            if core_columns:
                # Only when the file has core's columns: one read of core per known machine.
                values.update(asset_values(self.domain.core.get_asset(row.id), core_columns))
            found[row.machinenumber.casefold()] = Existing(id=str(row.id), values=values, row=row)
        return found

    def check_create(self, data: dict[str, Any]) -> None:
        with self.domain.database.session() as session:
            service.check_details(session, data)

    def check_update(self, current: Existing, changes: dict[str, Any]) -> None:
        with self.domain.database.session() as session:
            service.check_details(session, changes, current=current.row)

    def create(self, data: dict[str, Any], *, actor: Actor) -> str:
        created = service.create_equipment(
            self.domain, data=data, actor=actor, render=lambda _session, row, _asset: {"id": str(row.id)},
        )
        return created.body["id"]

    def update(self, current: Existing, changes: dict[str, Any], *, actor: Actor) -> None:
        with self.domain.database.session() as session:
            row = service.get_equipment(session, equipment_id=uuid.UUID(current.id))
            service.update_equipment(session, self.domain.core, self.writer, row=row, changes=changes, actor=actor)


def router():
    def target(request: Request) -> EquipmentImport:
        return EquipmentImport(request.app.state.domain, request.app.state.writer)

    return import_router(prefix="/api/equipment", spec=SPEC, target=target)
