"""Equipment: a core asset of type `equipment` plus its details here, kept consistent.

Create makes the core asset and the details, or neither, through the contract's domain saga
(domainasset.py: Idempotency-Key, compensation, sweeper). Delete retires the core asset and
marks the details retired; an asset retired in core is mirrored through core's events. Reads
merge the details with the core asset's fields.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopdb_contract import listing
from shopdb_contract.coreclient import CoreClient
from shopdb_contract.db import utcnow
from shopdb_contract.domainasset import ACTIVE, PENDING, Created, DomainAssets, request_hash
from shopdb_contract.errors import ConflictError, NotFoundError
from shopdb_contract.outbox import Actor, OutboxWriter
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
    "state": listing.FilterField(Equipment.state),
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
        "state": row.state,
        "locked_fields": list(row.locked_fields or []),
        "last_seen": row.last_seen.isoformat() if row.last_seen else None,
        "created": row.created.isoformat(),
        "updated": row.updated.isoformat(),
    }


def brief_out(row: Equipment) -> dict[str, Any]:
    return {"id": str(row.id), "machinenumber": row.machinenumber, "equipmenttype": row.equipmenttype, "state": row.state}


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
    # A create still in progress is nobody's business; retired machines are off the floor and
    # out of the list unless asked for with `state=`.
    conditions.append(Equipment.state != PENDING)
    if "state" not in query.names():
        conditions.append(Equipment.state == ACTIVE)
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
    if row is None or row.state == PENDING:
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


def core_asset_of(data: dict[str, Any], *, asset_id: uuid.UUID | None, new: bool) -> dict[str, Any]:
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


def snapshot(_session: Session, row: Equipment) -> dict[str, Any]:
    """The audited fields of a machine (what its audit events compare)."""
    return {name: getattr(row, name) for name in (*DETAIL_FIELDS, "state", "locked_fields")}


def domain_assets(*, database, core: CoreClient, writer: OutboxWriter, idempotency) -> DomainAssets:
    return DomainAssets(
        database=database, model=Equipment, core=core, writer=writer, idempotency=idempotency,
        asset_types=(ASSET_TYPE,), entity_type="equipment", snapshot=snapshot,
    )


def create_equipment(
    domain: DomainAssets,
    *,
    data: dict[str, Any],
    actor: Actor,
    render: Callable[[Session, Equipment, dict[str, Any]], dict[str, Any]],
    idempotency_key: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Created:
    """Create the core asset and the details, or neither (the contract's domain saga)."""
    details = {k: v for k, v in data.items() if k in DETAIL_FIELDS}
    details.update(extra or {})
    asset = core_asset_of(data, asset_id=None, new=True)
    asset.pop("id")
    asset.pop("type")
    return domain.create(
        details=details,
        asset=asset,
        actor=actor,
        render=render,
        check=lambda session: check_details(session, data),
        idempotency_key=idempotency_key,
        fingerprint=request_hash(data),
    )


def update_equipment(
    session: Session, core: CoreClient, writer: OutboxWriter, *, row: Equipment, changes: dict[str, Any], actor: Actor
) -> Equipment:
    """Apply the details here and core's fields in core; commits."""
    check_details(session, changes, current=row)
    before = snapshot(session, row)
    for name in DETAIL_FIELDS:
        if name in changes:
            setattr(row, name, changes[name])
    if "locked_fields" in changes:
        row.locked_fields = changes["locked_fields"]
    after = snapshot(session, row)
    if after != before:
        row.updated = utcnow()
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError("the machine number was taken meanwhile; nothing was changed", field="machinenumber") from exc
    writer.audit_log(session, entity_type="equipment", entity_id=row.id, action="update", before=before, after=after, actor=actor)
    asset = core_asset_of(changes, asset_id=row.id, new=False)
    if len(asset) > 1:
        # Core first, then the details: if core refuses, the details roll back with the session.
        core.upsert_asset(asset, actor=actor)
    session.commit()
    return row


