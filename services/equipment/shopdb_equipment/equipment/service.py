"""Equipment: a core asset of type `equipment` plus its details here, kept consistent.

Create makes the core asset and the details, or neither: the core asset is upserted under a
UUID chosen here (a retry reuses it), and discarded again if the details cannot be written.
Delete retires the core asset and marks the details retired. Reads merge the details with the
core asset's fields.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopdb_contract import listing
from shopdb_contract.coreclient import CoreClient, CoreUnavailable
from shopdb_contract.db import new_uuid, utcnow
from shopdb_contract.errors import ConflictError, NotFoundError
from shopdb_contract.outbox import Actor
from shopdb_equipment.equipment.models import Equipment
from shopdb_equipment.equipment.schemas import CORE_FIELDS
from shopdb_equipment.reference import service as reference

ASSET_TYPE = "equipment"

FILTERS = {
    "id": listing.FilterField(Equipment.id, uuid.UUID),
    "machinenumber": listing.FilterField(Equipment.machinenumber),
    "equipmenttype": listing.FilterField(Equipment.equipmenttype),
    "controllertype": listing.FilterField(Equipment.controllertype),
    "controllerversion": listing.FilterField(Equipment.controllerversion),
    "serialnumber": listing.FilterField(Equipment.serialnumber),
    "department": listing.FilterField(Equipment.department),
    "criticality": listing.FilterField(Equipment.criticality),
    "retired": listing.FilterField(Equipment.retired, bool),
    "created": listing.FilterField(Equipment.created, datetime),
    "updated": listing.FilterField(Equipment.updated, datetime),
}
ORDERING = {
    "machinenumber": Equipment.machinenumber,
    "equipmenttype": Equipment.equipmenttype,
    "controllertype": Equipment.controllertype,
    "department": Equipment.department,
    "criticality": Equipment.criticality,
    "serialnumber": Equipment.serialnumber,
    "created": Equipment.created,
    "updated": Equipment.updated,
}
DETAIL_FIELDS = (
    "machinenumber", "equipmenttype", "controllertype", "controllerversion", "serialnumber", "department", "criticality",
)


def details_out(row: Equipment) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "machinenumber": row.machinenumber,
        "equipmenttype": row.equipmenttype,
        "controllertype": row.controllertype,
        "controllerversion": row.controllerversion,
        "serialnumber": row.serialnumber,
        "department": row.department,
        "criticality": row.criticality,
        "retired": row.retired,
        "created": row.created.isoformat(),
        "updated": row.updated.isoformat(),
    }


def brief_out(row: Equipment) -> dict[str, Any]:
    return {"id": str(row.id), "machinenumber": row.machinenumber, "equipmenttype": row.equipmenttype, "retired": row.retired}


def asset_fields(asset: dict[str, Any] | None) -> dict[str, Any]:
    """The core asset's fields shown with the details (None while core cannot say)."""
    asset = asset or {}
    location = asset.get("location")
    if isinstance(location, str):
        location = {"id": location}
    return {
        "assetnumber": asset.get("assetnumber"),
        "name": asset.get("name"),
        "status": asset.get("status"),
        "location": location,
        "mapx": asset.get("mapx"),
        "mapy": asset.get("mapy"),
        "notes": asset.get("notes"),
    }


def list_equipment(session: Session, *, query: listing.ListQuery) -> tuple[int, list[Equipment]]:
    conditions = listing.filter_conditions(query, FILTERS)
    # Retired machines are off the floor: out of the list unless asked for with `retired=`.
    if "retired" not in query.names():
        conditions.append(Equipment.retired.is_(False))
    return listing.fetch_page(
        session,
        select(Equipment),
        count_from=Equipment,
        conditions=conditions,
        order_by=listing.order_clauses(
            query.ordering or ["machinenumber"], ORDERING, tiebreak=Equipment.id, unique=("machinenumber",)
        ),
        limit=query.limit,
        offset=query.offset,
    )


def get_equipment(session: Session, *, equipment_id: uuid.UUID) -> Equipment:
    row = session.get(Equipment, equipment_id, populate_existing=True)
    if row is None:
        raise NotFoundError(f"no equipment with id {equipment_id}")
    return row


def find_by_machinenumbers(session: Session, machinenumbers: list[str]) -> dict[str, Equipment]:
    if not machinenumbers:
        return {}
    rows = session.scalars(select(Equipment).where(Equipment.machinenumber.in_(machinenumbers)))
    return {row.machinenumber: row for row in rows}


def check_details(session: Session, data: dict[str, Any], *, current: Equipment | None = None) -> None:
    """The rules of the details, checked before core is asked for anything."""
    if data.get("equipmenttype") is not None:
        reference.require_equipment_type(session, key=data["equipmenttype"])
    if data.get("controllertype") is not None:
        reference.require_controller_type(session, key=data["controllertype"])
    number = data.get("machinenumber")
    if number is not None and (current is None or number != current.machinenumber):
        holder = session.scalar(select(Equipment.id).where(Equipment.machinenumber == number))
        if holder is not None:
            raise ConflictError(f"machine number {number!r} is taken (equipment {holder})", field="machinenumber")


def core_asset_of(data: dict[str, Any], *, asset_id: uuid.UUID, new: bool) -> dict[str, Any]:
    """The core asset's side of a create or update body."""
    asset: dict[str, Any] = {"id": asset_id}
    for name in CORE_FIELDS:
        if data.get(name) is not None:
            asset[name] = data[name]
    if new:
        asset["type"] = ASSET_TYPE
        asset.setdefault("assetnumber", data["machinenumber"])
        asset.setdefault("name", data["machinenumber"])
        if data.get("serialnumber"):
            asset["serialnumber"] = data["serialnumber"]
    elif data.get("serialnumber") is not None:
        asset["serialnumber"] = data["serialnumber"]
    return asset


def create_equipment(
    session: Session, core: CoreClient, *, data: dict[str, Any], actor: Actor, asset_id: uuid.UUID | None = None
) -> Equipment:
    """Create the core asset and the details, or neither; commits."""
    check_details(session, data)
    asset_id = asset_id or new_uuid()
    core.upsert_asset(core_asset_of(data, asset_id=asset_id, new=True), actor=actor)
    try:
        row = Equipment(id=asset_id, retired=False, **{k: v for k, v in data.items() if k in DETAIL_FIELDS})
        session.add(row)
        session.commit()
    except Exception as exc:
        session.rollback()
        _undo_core_asset(core, asset_id, actor)
        if isinstance(exc, IntegrityError):
            raise ConflictError("the machine number was taken meanwhile; nothing was created", field="machinenumber") from exc
        raise
    return row


def _undo_core_asset(core: CoreClient, asset_id: uuid.UUID, actor: Actor) -> None:
    try:
        core.discard_assets([asset_id], actor=actor)
    except CoreUnavailable:
        # Core went away between the two calls: the asset stays retired-free but has no details;
        # a retried create with the same key reuses the same UUID and completes it.
        pass


def update_equipment(session: Session, core: CoreClient, *, row: Equipment, changes: dict[str, Any], actor: Actor) -> Equipment:
    """Apply the details here and core's fields in core; commits."""
    check_details(session, changes, current=row)
    for name in DETAIL_FIELDS:
        if name in changes:
            setattr(row, name, changes[name])
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError("the machine number was taken meanwhile; nothing was changed", field="machinenumber") from exc
    asset = core_asset_of(changes, asset_id=row.id, new=False)
    if len(asset) > 1:
        # Core first, then the details: if core refuses, the details roll back with the session.
        core.upsert_asset(asset, actor=actor)
    session.commit()
    return row


def retire_equipment(session: Session, core: CoreClient, *, row: Equipment, actor: Actor) -> Equipment:
    """Delete: the core asset is retired (restorable), the details marked retired; commits."""
    core.retire_asset(row.id, actor=actor)
    mark_retired(session, asset_id=row.id, retired=True)
    session.commit()
    return row


def restore_equipment(session: Session, core: CoreClient, *, row: Equipment, actor: Actor) -> Equipment:
    core.restore_asset(row.id, actor=actor)
    mark_retired(session, asset_id=row.id, retired=False)
    session.commit()
    return row


def mark_retired(session: Session, *, asset_id: uuid.UUID, retired: bool) -> bool:
    """Reflect core's status in the details; True when something changed. Does not commit."""
    row = session.get(Equipment, asset_id)
    if row is None or row.retired == retired:
        return False
    row.retired = retired
    row.updated = utcnow()
    session.flush()
    return True
