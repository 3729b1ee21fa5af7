"""Core's internal asset endpoints: what a domain service calls to keep its core assets.

Never routed by the gateway (its file route covers /api only); a service calls core directly
with the site registration secret, names itself in `X-ShopDB-Service`, and passes the person,
token or collector it acts for in `X-ShopDB-Actor` (JSON), so core's audit names the real actor.

- `PUT /internal/assets` upserts a list of assets by the UUID the service chose: a retried
  call creates nothing twice, and a collector batch of 1,000 new computers is one call.
  All or nothing; a refused item is named by its `index`, so the caller can set it aside.
- retire / restore, and a hard delete used only to undo a create that failed half way.
- a service may write only assets of the asset types its manifest declares.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Request
from pydantic import Field
from sqlalchemy import func, insert, inspect, select
from sqlalchemy.orm import Session

from shopdb_contract import auditing, listing
from shopdb_contract.db import utcnow
from shopdb_contract.wire import ACTOR_HEADER, SERVICE_HEADER
from shopdb_contract.deps import DbSession
from shopdb_contract.errors import ConflictError, ForbiddenError, ValidationProblem
from shopdb_contract.outbox import Actor, OutboxWriter
from shopdb_core.assets import service
from shopdb_core.assets.models import Asset, assetnumber_key
from shopdb_core.assets.position import resolve_position
from shopdb_core.assets.schemas import AssetName, AssetNumber, Coordinate, Key, SerialNumber
from shopdb_core.audit.models import Outbox
from shopdb_core.locations import service as locations
from shopdb_core.reference import service as reference
from shopdb_core.reference.models import AssetType
from shopdb_core.reference.schemas import Body as StrictBody
from shopdb_core.registry.api import require_registration_secret
from shopdb_core.relationships import service as relationships
from shopdb_core.relationships.models import Relationship

MAX_ITEMS = 10000



def calling_service(
    request: Request,
    name: Annotated[str | None, Header(alias=SERVICE_HEADER)] = None,
    actor: Annotated[str | None, Header(alias=ACTOR_HEADER)] = None,
) -> str:
    """The calling service's name; the actor it acts for becomes this request's actor."""
    if not name:
        raise ValidationProblem(f"name the calling service in {SERVICE_HEADER}", field=SERVICE_HEADER)
    acting = Actor("service", name, name)
    if actor:
        try:
            data = json.loads(actor)
            acting = Actor(str(data.get("kind") or "service"), data.get("id"), data.get("name"))
        except (ValueError, AttributeError):
            raise ValidationProblem(f"{ACTOR_HEADER} must be a JSON object", field=ACTOR_HEADER) from None
    request.state.actor = acting
    return name


Caller = Annotated[str, Depends(calling_service)]


class AssetUpsert(StrictBody):
    id: uuid.UUID
    assetnumber: AssetNumber = None
    name: AssetName = None
    type: Key = None
    status: Key = None
    location: uuid.UUID | None = None
    vendor: uuid.UUID | None = None
    model: uuid.UUID | None = None
    serialnumber: SerialNumber = None
    mapx: Coordinate | None = None
    mapy: Coordinate | None = None
    notes: str = None


class AssetIds(StrictBody):
    ids: list[uuid.UUID] = Field(max_length=MAX_ITEMS)


class AssetQuery(StrictBody):
    type: Key | None = None
    location: uuid.UUID | None = None
    ids: list[uuid.UUID] | None = Field(default=None, max_length=MAX_ITEMS)
    include_retired: bool = False


class RelationshipCreate(StrictBody):
    type: Key
    source: uuid.UUID
    target: uuid.UUID
    inheritsposition: bool = False
    notes: str = ""


# --- rules --------------------------------------------------------------------------------


def owned_types(session: Session, *, service_name: str) -> set[str]:
    return set(session.scalars(select(AssetType.name).where(AssetType.service == service_name)))


def _require_owned(asset: Asset, owned: set[str], service_name: str, field: str = "id") -> None:
    if asset.type not in owned:
        raise ForbiddenError(
            f"asset {asset.assetnumber!r} is of type {asset.type!r}, which service {service_name!r} does not own",
            field=field,
        )


def _error(index: int, field: str, message: str, exc: type = ValidationProblem):
    return exc(
        f"item {index}: {message}",
        errors=[{"field": f"body[{index}].{field}", "message": message, "index": index}],
        index=index,
        field=f"body[{index}].{field}",
    )


def upsert_assets(session: Session, *, service_name: str, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Create or update each asset by its id; the answer says which, and what changed.

    All or nothing: the first item that breaks a rule raises, naming its index. Lookups are
    made once per batch (existing ids, taken asset numbers, the caller's types) so a batch
    costs a few queries, not a few per item.
    """
    owned = owned_types(session, service_name=service_name)
    statuses = {row.key for row in reference.list_statuses(session)}
    ids = [item["id"] for item in items]
    seen: dict[uuid.UUID, int] = {}
    for index, asset_id in enumerate(ids):
        if asset_id in seen:
            raise _error(index, "id", f"asset {asset_id} appears more than once in the batch")
        seen[asset_id] = index
    existing = {row.id: row for row in session.scalars(select(Asset).where(Asset.id.in_(ids)))} if ids else {}

    # Asset numbers asked for (without case), checked against the table and each other at once.
    wanted: dict[str, int] = {}
    for index, item in enumerate(items):
        number = item.get("assetnumber")
        current = existing.get(item["id"])
        if number is None or (current is not None and current.assetnumber == number):
            continue
        key = assetnumber_key(number)
        if key in wanted:
            raise _error(index, "assetnumber", f"asset number {number!r} appears more than once in the batch", ConflictError)
        wanted[key] = index
    if wanted:
        for key, holder in session.execute(
            select(Asset.assetnumberkey, Asset.id).where(Asset.assetnumberkey.in_(list(wanted)))
        ):
            index = wanted[key]
            if holder != items[index]["id"]:
                number = items[index]["assetnumber"]
                raise _error(index, "assetnumber", f"asset number {number!r} is taken (asset {holder})", ConflictError)

    results = []
    created: list[Asset] = []
    now = utcnow()
    for index, item in enumerate(items):
        asset = existing.get(item["id"])
        with listing.item_errors(index):
            if "type" in item and item["type"] is not None and item["type"] not in owned:
                raise ForbiddenError(
                    f"asset type {item['type']!r} is not declared by service {service_name!r}", field="type"
                )
            if "status" in item and item["status"] is not None and item["status"] not in statuses:
                raise ValidationProblem(f"no asset status {item['status']!r}", field="status")
            if asset is None:
                if (item.get("status") or "in_use") not in statuses:
                    raise ValidationProblem("asset statuses are not seeded: run `shopdb seed`", field="status")
                for required in ("assetnumber", "name", "type"):
                    if item.get(required) is None:
                        raise ValidationProblem(f"a new asset needs {required}", field=required)
                asset = Asset(
                    id=item["id"], assetnumber=item["assetnumber"], name=item["name"], type=item["type"],
                    status=item.get("status") or "in_use", serialnumber="", notes="", created=now, updated=now,
                )
                service.apply_fields(session, asset, _fields(item), numbers_checked=True, known_types=owned,
                                     known_statuses=statuses)
                created.append(asset)
                results.append({"id": str(asset.id), "outcome": "created", "changed": []})
                continue
            _require_owned(asset, owned, service_name)
            changed = service.apply_fields(session, asset, _fields(item), numbers_checked=True, known_types=owned,
                                           known_statuses=statuses)
            if changed:
                asset.updated = now
            results.append({"id": str(asset.id), "outcome": "updated" if changed else "unchanged", "changed": changed})
    if created:
        _insert_created(session, created)
    session.flush()
    return results


_AUDIT = OutboxWriter(service="core", table=Outbox)


def _insert_created(session: Session, assets: list[Asset]) -> None:
    """New assets in one INSERT and their `create` events in one more, as the automatic audit
    would write them (every audited column but `updated`). A collector's batch of 1,000 new
    assets through the unit of work and the per-object audit hook cost more than the rest of
    the call; the objects are only used to apply and check the fields (`_set_fields`)."""
    columns = [c.key for c in Asset.__table__.columns]
    audited = [a.key for a in inspect(Asset).column_attrs if a.key not in Asset.__audit_exclude__]
    session.execute(insert(Asset.__table__), [{name: getattr(asset, name) for name in columns} for asset in assets])
    actor = auditing.session_actor(session)
    _AUDIT.audit_log_many(session, [
        {"entity_type": Asset.__audit_entity__, "entity_id": str(asset.id), "action": "create", "before": None,
         "after": {name: getattr(asset, name) for name in audited}, "actor": actor}
        for asset in assets
    ])


def _fields(item: dict[str, Any]) -> dict[str, Any]:
    """An upsert item's core fields. A null for a required field means "not sent" (a service
    sends what it knows); for an optional one it clears it, as in the public API."""
    return {k: v for k, v in item.items() if k != "id" and not (v is None and k in service.REQUIRED)}


def discard_assets(session: Session, *, service_name: str, ids: Sequence[uuid.UUID]) -> list[str]:
    """Hard delete, only to undo a create that failed half way: ids already gone are skipped."""
    owned = owned_types(session, service_name=service_name)
    rows = list(session.scalars(select(Asset).where(Asset.id.in_(list(ids))))) if ids else []
    for row in rows:
        _require_owned(row, owned, service_name)
    linked = session.scalar(
        select(func.count()).select_from(Relationship).where(
            Relationship.source_id.in_([r.id for r in rows]) | Relationship.target_id.in_([r.id for r in rows])
        )
    ) if rows else 0
    if linked:
        raise ConflictError("an asset with relationships is retired, never discarded", field="ids")
    for row in rows:
        auditing.set_action(session, row, "discard")
        session.delete(row)
    session.flush()
    return [str(r.id) for r in rows]


def _owned_asset(session: Session, service_name: str, asset_id: uuid.UUID) -> Asset:
    asset = service.get_asset(session, asset_id=asset_id)
    _require_owned(asset, owned_types(session, service_name=service_name), service_name)
    return asset


# --- routes -------------------------------------------------------------------------------

router = APIRouter(
    prefix="/internal/assets",
    tags=["internal"],
    include_in_schema=False,
    dependencies=[Depends(require_registration_secret)],
)


@router.put("")
def put_assets(caller: Caller, session: DbSession, body: Annotated[Any, Body()]) -> list[dict[str, Any]]:
    if not isinstance(body, list):
        raise ValidationProblem("send a list of assets, each with the id the service chose", field="body")
    items, _ = listing.parse_items(AssetUpsert, body, max_items=MAX_ITEMS)
    results = upsert_assets(session, service_name=caller, items=[i.model_dump(exclude_unset=True) for i in items])
    session.commit()
    return results


@router.post("/discard")
def discard(caller: Caller, session: DbSession, body: AssetIds) -> dict[str, Any]:
    deleted = discard_assets(session, service_name=caller, ids=body.ids)
    session.commit()
    return {"discarded": deleted}


@router.post("/query")
def query_assets(caller: Caller, session: DbSession, body: AssetQuery) -> dict[str, Any]:
    """Assets by type, location (with everything below it) or ids, in brief."""
    conditions = []
    if body.type:
        conditions.append(Asset.type == body.type)
    if body.location:
        conditions.append(Asset.location_id.in_(locations.descendant_ids(session, location_ids=[body.location])))
    if body.ids is not None:
        conditions.append(Asset.id.in_(body.ids))
    if not body.include_retired:
        conditions.append(Asset.status.not_in(reference.GONE_STATUSES))
    rows = session.execute(
        select(Asset.id, Asset.assetnumber, Asset.name, Asset.type, Asset.status, Asset.location_id).where(*conditions)
    )
    return {
        "results": [
            {"id": str(r.id), "assetnumber": r.assetnumber, "name": r.name, "type": r.type, "status": r.status,
             "location": str(r.location_id) if r.location_id else None}
            for r in rows
        ]
    }


@router.get("/{asset_id}")
def get_asset(asset_id: uuid.UUID, caller: Caller, session: DbSession) -> dict[str, Any]:
    return service.asset_out(service.get_asset(session, asset_id=asset_id))


@router.get("/{asset_id}/position")
def get_position(asset_id: uuid.UUID, caller: Caller, session: DbSession) -> dict[str, Any]:
    return resolve_position(session, asset=service.get_asset(session, asset_id=asset_id))


@router.post("/{asset_id}/retire")
def retire(asset_id: uuid.UUID, caller: Caller, session: DbSession) -> dict[str, Any]:
    asset = _owned_asset(session, caller, asset_id)
    service.retire_asset(session, asset=asset)
    session.commit()
    return service.asset_out(service.get_asset(session, asset_id=asset_id))


@router.post("/{asset_id}/restore")
def restore(asset_id: uuid.UUID, caller: Caller, session: DbSession) -> dict[str, Any]:
    """Restoring an asset that is not retired changes nothing: a retried restore is harmless."""
    asset = _owned_asset(session, caller, asset_id)
    if asset.status == reference.RETIRED:
        service.restore_asset(session, asset=asset)
        session.commit()
    return service.asset_out(service.get_asset(session, asset_id=asset_id))


relationships_router = APIRouter(
    prefix="/internal/relationships",
    tags=["internal"],
    include_in_schema=False,
    dependencies=[Depends(require_registration_secret)],
)


@relationships_router.get("")
def list_relationships(
    caller: Caller, session: DbSession, target: uuid.UUID | None = None, source: uuid.UUID | None = None,
    type: str | None = None,
) -> dict[str, Any]:
    """Relationships of an asset (e.g. the computers that control a machine), at most 1,000."""
    if target is None and source is None:
        raise ValidationProblem("give target or source", field="target")
    conditions = []
    if target is not None:
        conditions.append(Relationship.target_id == target)
    if source is not None:
        conditions.append(Relationship.source_id == source)
    if type:
        conditions.append(Relationship.type == type)
    rows = session.scalars(
        select(Relationship).options(*relationships._FULL).where(*conditions).order_by(Relationship.created).limit(1000)
    ).unique()
    return {"results": [relationships.relationship_out(r) for r in rows]}


@relationships_router.post("", status_code=201)
def create_relationship(caller: Caller, session: DbSession, body: RelationshipCreate) -> dict[str, Any]:
    with listing.item_errors(None):
        row = relationships.create_relationship(session, data=body.model_dump())
    session.commit()
    return relationships.relationship_out(row)
