"""Assets: list, read, create, update, soft delete and restore, one at a time or in batches.

Functions flush and never commit: the caller's transaction decides, so a batch that fails on
its last item leaves nothing written.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from shopdb_contract import auditing, listing
from shopdb_contract.db import utcnow
from shopdb_contract.errors import ConflictError, NotFoundError, ValidationProblem
from shopdb_contract.outbox import OutboxWriter
from shopdb_core.assets.models import Asset, assetnumber_key
from shopdb_core.locations import service as locations
from shopdb_core.reference import service as reference
from shopdb_core.reference.models import AssetModel, AssetStatus, AssetType

FILTERS = {
    "id": listing.FilterField(Asset.id, uuid.UUID),
    "assetnumber": listing.FilterField(Asset.assetnumber),
    "name": listing.FilterField(Asset.name),
    # Reference data: a value nobody declared is refused (422), not answered with an empty list.
    "type": listing.FilterField(Asset.type, choices=lambda session: set(session.scalars(select(AssetType.name)))),
    "status": listing.FilterField(Asset.status, choices=lambda session: set(session.scalars(select(AssetStatus.key)))),
    "serialnumber": listing.FilterField(Asset.serialnumber),
    "vendor": listing.FilterField(Asset.vendor_id, uuid.UUID),
    "model": listing.FilterField(Asset.model_id, uuid.UUID),
    "created": listing.FilterField(Asset.created, datetime),
    "updated": listing.FilterField(Asset.updated, datetime),
}
ORDERING = {
    "assetnumber": Asset.assetnumber,
    "name": Asset.name,
    "type": Asset.type,
    "status": Asset.status,
    "serialnumber": Asset.serialnumber,
    "created": Asset.created,
    "updated": Asset.updated,
}
# Parameters the asset list reads itself, besides the lookup filters above.
EXTRA_PARAMS = ("q", "location", "include_retired")

_FULL = (joinedload(Asset.location), joinedload(Asset.vendor), joinedload(Asset.model))


def _ref(row) -> dict[str, Any] | None:
    return {"id": str(row.id), "name": row.name} if row is not None else None


def asset_out(row: Asset) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "assetnumber": row.assetnumber,
        "name": row.name,
        "type": row.type,
        "status": row.status,
        "location": _ref(row.location),
        "vendor": _ref(row.vendor),
        "model": _ref(row.model),
        "serialnumber": row.serialnumber,
        "mapx": row.mapx,
        "mapy": row.mapy,
        "notes": row.notes,
        "created": row.created.isoformat(),
        "updated": row.updated.isoformat(),
    }


def asset_brief(row: Asset) -> dict[str, Any]:
    return {"id": str(row.id), "assetnumber": row.assetnumber, "name": row.name, "type": row.type, "status": row.status}


def list_assets(session: Session, *, query: listing.ListQuery) -> tuple[int, list[Asset]]:
    conditions = listing.filter_conditions(query, FILTERS, session)
    include_retired = (query.first("include_retired") or "").lower() in ("true", "1", "yes")
    # Retired and disposed assets are off the floor: out of the list unless asked for.
    if "status" not in query.names() and not include_retired:
        conditions.append(Asset.status.not_in(reference.GONE_STATUSES))
    location_values = query.extra.get("location")
    if location_values:
        ids = []
        for raw in ",".join(location_values).split(","):
            try:
                ids.append(uuid.UUID(raw.strip()))
            except ValueError:
                raise ValidationProblem(f"location: {raw!r} is not a location id", field="query.location") from None
        conditions.append(Asset.location_id.in_(locations.descendant_ids(session, location_ids=ids)))
    text = (query.first("q") or "").strip()
    if text:
        pattern = f"%{listing.escape_like(text)}%"
        conditions.append(
            or_(*(column.ilike(pattern, escape="\\") for column in
                  (Asset.assetnumber, Asset.name, Asset.serialnumber, Asset.notes)))
        )
    statement = select(Asset) if query.brief else select(Asset).options(*_FULL)
    return listing.fetch_page(
        session,
        statement,
        count_from=Asset,
        conditions=conditions,
        order_by=listing.order_clauses(
            query.ordering or ["assetnumber"], ORDERING, tiebreak=Asset.id, unique=("assetnumber",)
        ),
        limit=query.limit,
        offset=query.offset,
    )


def get_asset(session: Session, *, asset_id: uuid.UUID) -> Asset:
    # populate_existing: a changed location_id must show its new location, not the cached one.
    row = session.scalar(
        select(Asset).options(*_FULL).where(Asset.id == asset_id).execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFoundError(f"no asset with id {asset_id}")
    return row


def require_asset(session: Session, *, asset_id: uuid.UUID, field: str) -> Asset:
    row = session.get(Asset, asset_id)
    if row is None:
        raise ValidationProblem(f"no asset with id {asset_id}", field=field)
    return row


def check_assetnumber(session: Session, assetnumber: str, *, exclude: uuid.UUID | None) -> None:
    """A free asset number, compared without case (`g-0001` is taken by `G-0001`)."""
    other = session.scalar(select(Asset.id).where(Asset.assetnumberkey == assetnumber_key(assetnumber)))
    if other is not None and other != exclude:
        raise ConflictError(f"asset number {assetnumber!r} is taken (asset {other})", field="assetnumber")


REQUIRED = ("assetnumber", "name", "type", "status")
# Core's asset fields a caller may set (the public API and the domain services' upsert alike).
FIELDS = (*REQUIRED, "location", "vendor", "model", "serialnumber", "mapx", "mapy", "notes")


def apply_fields(
    session: Session,
    asset: Asset,
    data: dict[str, Any],
    *,
    numbers_checked: bool = False,
    known_types: set[str] | None = None,
    known_statuses: set[str] | None = None,
) -> list[str]:
    """The one rule set of core's asset fields: check each given field and set it; returns the
    fields that changed. The public API and the internal upsert both write through here.

    A given null clears an optional field (location, vendor, model, the position); the
    required ones cannot be cleared. A model brings its vendor, and a model of another vendor
    than the one given is refused. A position is both coordinates or neither. A batch checks
    its asset numbers at once (`numbers_checked`) and passes the types and statuses it read.
    """
    changed: list[str] = []

    def put(name: str, value: Any) -> None:
        if getattr(asset, name) != value:
            setattr(asset, name, value)
            changed.append(name.removesuffix("_id"))

    for name in REQUIRED:
        if name in data and data[name] is None:
            raise ValidationProblem(f"{name} cannot be cleared", field=name)
    if "assetnumber" in data and data["assetnumber"] != asset.assetnumber:
        if not numbers_checked:
            check_assetnumber(session, data["assetnumber"], exclude=asset.id)
        put("assetnumber", data["assetnumber"])
    if "name" in data:
        put("name", data["name"])
    if "type" in data:
        if known_types is None or data["type"] not in known_types:
            data_type = reference.require_asset_type(session, name=data["type"]).name
        else:
            data_type = data["type"]
        put("type", data_type)
    if "status" in data:
        if known_statuses is None or data["status"] not in known_statuses:
            put("status", reference.require_status(session, key=data["status"]).key)
        else:
            put("status", data["status"])
    if "location" in data:
        loc = data["location"]
        put("location_id", locations.require_location(session, location_id=loc).id if loc else None)
    if "vendor" in data:
        vendor = data["vendor"]
        put("vendor_id", reference.require_vendor(session, vendor_id=vendor).id if vendor else None)
    if "model" in data:
        model_id = data["model"]
        model = reference.require_model(session, model_id=model_id) if model_id else None
        put("model_id", model.id if model else None)
        if model is not None and data.get("vendor") is None:
            put("vendor_id", model.vendor_id)  # the model names its vendor; no need to say it twice
    if asset.model_id is not None and ("model" in data or "vendor" in data):
        model = session.get(AssetModel, asset.model_id)
        if asset.vendor_id != model.vendor_id:
            raise ValidationProblem(f"model {model.name!r} is not made by the given vendor", field="model")
    for name in ("serialnumber", "mapx", "mapy", "notes"):
        if name in data:
            put(name, data[name] if data[name] is not None or name in ("mapx", "mapy") else "")
    # A position is a point: half of one would put the asset nowhere in particular.
    if (asset.mapx is None) != (asset.mapy is None):
        missing = "mapy" if asset.mapy is None else "mapx"
        raise ValidationProblem("mapx and mapy go together: give both or clear both", field=missing)
    return changed


def create_asset(session: Session, *, data: dict[str, Any]) -> Asset:
    check_assetnumber(session, data["assetnumber"], exclude=None)
    asset = Asset(id=uuid.uuid4(), assetnumber=data["assetnumber"], serialnumber="", notes="")
    data = {"status": "in_use", **data}
    data.pop("assetnumber")
    apply_fields(session, asset, data)
    asset.retiredfrom = None
    session.add(asset)
    session.flush()
    return asset


def update_asset(session: Session, *, asset: Asset, changes: dict[str, Any]) -> Asset:
    apply_fields(session, asset, changes)
    if changes:
        asset.updated = utcnow()
    session.flush()
    return asset


def create_assets(session: Session, *, items: Sequence[dict[str, Any]]) -> list[Asset]:
    """All or nothing: the first item that breaks a rule raises, naming its index."""
    created = []
    for index, data in enumerate(items):
        with listing.item_errors(index):
            created.append(create_asset(session, data=data))
    return created


def update_assets(session: Session, *, items: Sequence[dict[str, Any]]) -> list[Asset]:
    """All or nothing; each item names the asset by `id`."""
    ids = [item["id"] for item in items]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        index = next(n for n, i in enumerate(ids) if i in duplicates)
        raise ValidationProblem(
            f"item {index}: asset {ids[index]} appears more than once in the batch",
            errors=[{"field": f"body[{index}].id", "message": "appears more than once", "index": index}],
            index=index,
        )
    updated = []
    for index, item in enumerate(items):
        with listing.item_errors(index):
            changes = dict(item)
            asset = require_asset(session, asset_id=changes.pop("id"), field="id")
            updated.append(update_asset(session, asset=asset, changes=changes))
    return updated


def retire_asset(session: Session, *, asset: Asset) -> Asset:
    """Soft delete: the asset stays, marked retired, and can be restored."""
    if asset.status != reference.RETIRED:
        auditing.set_action(session, asset, "delete")
        asset.retiredfrom = asset.status
        asset.status = reference.RETIRED
        asset.updated = utcnow()
        session.flush()
        _emit(session, "asset_retired", asset)
    return asset


def _emit(session: Session, name: str, asset: Asset) -> None:
    # The owning domain service mirrors the change in its details (shopdb.events.core.<name>).
    from shopdb_core.audit.models import Outbox

    OutboxWriter(service="core", table=Outbox).emit_event(
        session, name=name, data={"id": asset.id, "type": asset.type, "assetnumber": asset.assetnumber,
                                  "status": asset.status},
        actor=auditing.session_actor(session),
    )


def restore_asset(session: Session, *, asset: Asset) -> Asset:
    if asset.status != reference.RETIRED:
        raise ConflictError(f"asset {asset.assetnumber!r} is not retired (status {asset.status!r})", field="status")
    auditing.set_action(session, asset, "restore")
    asset.status = asset.retiredfrom or "in_use"
    asset.retiredfrom = None
    asset.updated = utcnow()
    session.flush()
    _emit(session, "asset_restored", asset)
    return asset
