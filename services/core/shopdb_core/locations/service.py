"""The location tree: create, move (never under itself), delete (only when empty)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from shopdb_contract.errors import ConflictError, NotFoundError, ValidationProblem
from shopdb_core.locations.models import Location


def location_out(row: Location) -> dict[str, Any]:
    parent = row.parent
    return {
        "id": str(row.id),
        "name": row.name,
        "kind": row.kind,
        "parent": {"id": str(parent.id), "name": parent.name} if parent is not None else None,
        "mapx": row.mapx,
        "mapy": row.mapy,
        "description": row.description,
        "created": row.created.isoformat(),
        "updated": row.updated.isoformat(),
    }


def location_brief(row: Location) -> dict[str, Any]:
    return {"id": str(row.id), "name": row.name, "kind": row.kind}


def get_location(session: Session, *, location_id: uuid.UUID) -> Location:
    row = session.scalar(
        select(Location).options(joinedload(Location.parent)).where(Location.id == location_id)
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFoundError(f"no location with id {location_id}")
    return row


def require_location(session: Session, *, location_id: uuid.UUID, field: str = "location") -> Location:
    row = session.get(Location, location_id)
    if row is None:
        raise ValidationProblem(f"no location with id {location_id}", field=field)
    return row


def _parents(session: Session) -> dict[uuid.UUID, uuid.UUID | None]:
    # A site has hundreds of locations, not millions: one small query beats a recursive CTE
    # that would read differently on SQLite and MariaDB.
    return {row[0]: row[1] for row in session.execute(select(Location.id, Location.parent_id))}


def descendant_ids(session: Session, *, location_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """The given locations and everything below them."""
    children: dict[uuid.UUID, list[uuid.UUID]] = {}
    for child, parent in _parents(session).items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found: set[uuid.UUID] = set()
    stack = list(location_ids)
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, ()))
    return found


def ancestors(session: Session, *, location: Location) -> list[Location]:
    """The location's parents, nearest first; stops on a cycle rather than looping."""
    chain: list[Location] = []
    seen = {location.id}
    current = location
    while current.parent_id is not None and current.parent_id not in seen:
        seen.add(current.parent_id)
        current = session.get(Location, current.parent_id)
        if current is None:
            break
        chain.append(current)
    return chain


def _check_sibling_name(session: Session, *, parent_id: uuid.UUID | None, name: str, exclude: uuid.UUID | None) -> None:
    other = session.scalar(select(Location).where(Location.parent_id == parent_id, Location.name == name))
    if other is not None and other.id != exclude:
        where = "at the top level" if parent_id is None else "under the same parent"
        raise ConflictError(f"a location named {name!r} exists {where} already (id {other.id})", field="name")


def create_location(session: Session, *, data: dict[str, Any]) -> Location:
    parent_id = data.get("parent")
    if parent_id is not None:
        require_location(session, location_id=parent_id, field="parent")
    _check_sibling_name(session, parent_id=parent_id, name=data["name"], exclude=None)
    row = Location(
        name=data["name"],
        kind=data.get("kind", "area"),
        parent_id=parent_id,
        mapx=data.get("mapx"),
        mapy=data.get("mapy"),
        description=data.get("description", ""),
    )
    session.add(row)
    session.flush()
    return get_location(session, location_id=row.id)


def update_location(session: Session, *, location: Location, changes: dict[str, Any]) -> Location:
    if "parent" in changes and changes["parent"] != location.parent_id:
        new_parent_id = changes["parent"]
        if new_parent_id is not None:
            new_parent = require_location(session, location_id=new_parent_id, field="parent")
            if new_parent.id == location.id or location.id in {a.id for a in ancestors(session, location=new_parent)}:
                raise ValidationProblem(
                    f"cannot move {location.name!r} under {new_parent.name!r}: "
                    f"{new_parent.name!r} is {location.name!r} itself or inside it, which would make a cycle",
                    field="parent",
                )
        location.parent_id = new_parent_id
    for name in ("name", "kind", "mapx", "mapy", "description"):
        if name in changes:
            setattr(location, name, changes[name])
    if "name" in changes or "parent" in changes:
        _check_sibling_name(session, parent_id=location.parent_id, name=location.name, exclude=location.id)
    session.flush()
    session.expire(location, ["parent"])
    return get_location(session, location_id=location.id)


def delete_location(session: Session, *, location: Location) -> None:
    """Delete an empty location; one that holds locations or assets is refused, naming them."""
    from shopdb_core.assets.models import Asset

    children = session.scalars(
        select(Location.name).where(Location.parent_id == location.id).order_by(Location.name).limit(5)
    ).all()
    child_count = session.scalar(select(func.count()).select_from(Location).where(Location.parent_id == location.id))
    assetnumbers = session.scalars(
        select(Asset.assetnumber).where(Asset.location_id == location.id).order_by(Asset.assetnumber).limit(5)
    ).all()
    asset_count = session.scalar(select(func.count()).select_from(Asset).where(Asset.location_id == location.id))
    if child_count or asset_count:
        parts = []
        if child_count:
            parts.append(f"{child_count} location(s) ({', '.join(children)}{', ...' if child_count > 5 else ''})")
        if asset_count:
            parts.append(f"{asset_count} asset(s) ({', '.join(assetnumbers)}{', ...' if asset_count > 5 else ''})")
        raise ConflictError(
            f"location {location.name!r} still holds {' and '.join(parts)}; move or remove them first",
            locations=child_count,
            assets=asset_count,
        )
    session.delete(location)
    session.flush()
