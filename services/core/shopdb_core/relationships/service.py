"""Relationships: directed links between two assets. A link to itself, a second identical
link, or a link to an asset that does not exist is refused."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from shopdb_contract import listing
from shopdb_contract.db import utcnow
from shopdb_contract.errors import ConflictError, NotFoundError, ValidationProblem
from shopdb_core.assets.models import Asset
from shopdb_core.reference import service as reference
from shopdb_core.relationships.models import Relationship

FILTERS = {
    "id": listing.FilterField(Relationship.id, uuid.UUID),
    "type": listing.FilterField(Relationship.type),
    "source": listing.FilterField(Relationship.source_id, uuid.UUID),
    "target": listing.FilterField(Relationship.target_id, uuid.UUID),
    "inheritsposition": listing.FilterField(Relationship.inheritsposition, bool),
}
ORDERING = {"type": Relationship.type, "created": Relationship.created}
EXTRA_PARAMS = ("asset",)

_FULL = (joinedload(Relationship.source), joinedload(Relationship.target))


def _asset_ref(row: Asset) -> dict[str, Any]:
    return {"id": str(row.id), "assetnumber": row.assetnumber, "name": row.name}


def relationship_out(row: Relationship) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "type": row.type,
        "source": _asset_ref(row.source),
        "target": _asset_ref(row.target),
        "inheritsposition": row.inheritsposition,
        "notes": row.notes,
        "created": row.created.isoformat(),
        "updated": row.updated.isoformat(),
    }


def relationship_brief(row: Relationship) -> dict[str, Any]:
    return {"id": str(row.id), "type": row.type, "source": str(row.source_id), "target": str(row.target_id)}


def list_relationships(session: Session, *, query: listing.ListQuery) -> tuple[int, list[Relationship]]:
    conditions = listing.filter_conditions(query, FILTERS)
    asset = query.first("asset")
    if asset:
        try:
            asset_id = uuid.UUID(asset)
        except ValueError:
            raise ValidationProblem(f"asset: {asset!r} is not an asset id", field="query.asset") from None
        conditions.append(or_(Relationship.source_id == asset_id, Relationship.target_id == asset_id))
    statement = select(Relationship) if query.brief else select(Relationship).options(*_FULL)
    return listing.fetch_page(
        session,
        statement,
        count_from=Relationship,
        conditions=conditions,
        order_by=listing.order_clauses(query.ordering or ["created"], ORDERING, tiebreak=Relationship.id),
        limit=query.limit,
        offset=query.offset,
    )


def get_relationship(session: Session, *, relationship_id: uuid.UUID) -> Relationship:
    row = session.scalar(
        select(Relationship).options(*_FULL).where(Relationship.id == relationship_id)
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFoundError(f"no relationship with id {relationship_id}")
    return row


def _check_duplicate(session: Session, *, source_id, target_id, type_: str, exclude: uuid.UUID | None) -> None:
    other = session.scalar(
        select(Relationship.id).where(
            Relationship.source_id == source_id, Relationship.target_id == target_id, Relationship.type == type_
        )
    )
    if other is not None and other != exclude:
        raise ConflictError(
            f"these assets are already linked by {type_!r} (relationship {other})", field="target", existing=str(other)
        )


def create_relationship(session: Session, *, data: dict[str, Any]) -> Relationship:
    type_ = reference.require_relationship_type(session, name=data["type"]).name
    source = session.get(Asset, data["source"])
    if source is None:
        raise ValidationProblem(f"no asset with id {data['source']}", field="source")
    target = session.get(Asset, data["target"])
    if target is None:
        raise ValidationProblem(f"no asset with id {data['target']}", field="target")
    if source.id == target.id:
        raise ValidationProblem(f"an asset cannot be linked to itself ({source.assetnumber})", field="target")
    _check_duplicate(session, source_id=source.id, target_id=target.id, type_=type_, exclude=None)
    row = Relationship(
        type=type_,
        source_id=source.id,
        target_id=target.id,
        inheritsposition=data.get("inheritsposition", False),
        notes=data.get("notes", ""),
    )
    session.add(row)
    session.flush()
    return get_relationship(session, relationship_id=row.id)


def update_relationship(session: Session, *, relationship: Relationship, changes: dict[str, Any]) -> Relationship:
    if "type" in changes and changes["type"] != relationship.type:
        type_ = reference.require_relationship_type(session, name=changes["type"]).name
        _check_duplicate(
            session, source_id=relationship.source_id, target_id=relationship.target_id, type_=type_,
            exclude=relationship.id,
        )
        relationship.type = type_
    for name in ("inheritsposition", "notes"):
        if name in changes:
            setattr(relationship, name, changes[name])
    relationship.updated = utcnow()
    session.flush()
    return get_relationship(session, relationship_id=relationship.id)


def delete_relationship(session: Session, *, relationship: Relationship) -> None:
    session.delete(relationship)
    session.flush()
