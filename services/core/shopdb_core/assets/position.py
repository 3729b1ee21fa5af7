"""Where an asset is on the floor map (ADR-001).

In order: the asset's own mapx/mapy; else the position of an asset it inherits from (a
relationship with `inheritsposition`, source inherits from target, followed transitively,
nearest first); else the position of its location, walking up the tree; else, for an asset
without a location, the location of the nearest asset it inherits from. Every walk remembers
where it has been, so a cycle ends the walk instead of looping.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb_core.assets.models import Asset
from shopdb_core.locations import service as locations
from shopdb_core.locations.models import Location
from shopdb_core.relationships.models import Relationship


def _has_position(row) -> bool:
    return row.mapx is not None and row.mapy is not None


def _asset_ref(row: Asset) -> dict[str, Any]:
    return {"id": str(row.id), "assetnumber": row.assetnumber, "name": row.name}


def _position(row, source: str, via: dict[str, Any] | None) -> dict[str, Any]:
    return {"mapx": row.mapx if row else None, "mapy": row.mapy if row else None, "source": source, "via": via}


def _inherited_chain(session: Session, asset: Asset):
    """Assets the given one inherits from, breadth first, each with the path that reached it."""
    seen = {asset.id}
    frontier = [(asset, [])]
    while frontier:
        paths = {a.id: path for a, path in frontier}
        rows = session.execute(
            select(Relationship.source_id, Asset)
            .join(Asset, Asset.id == Relationship.target_id)
            .where(Relationship.source_id.in_(paths), Relationship.inheritsposition.is_(True))
            .order_by(Relationship.created, Relationship.id)
        ).all()
        frontier = []
        for source_id, target in rows:
            if target.id in seen:
                continue
            seen.add(target.id)
            path = [*paths[source_id], target]
            frontier.append((target, path))
            yield target, path


def _location_position(session: Session, location_id) -> Location | None:
    location = session.get(Location, location_id)
    if location is None:
        return None
    for candidate in [location, *locations.ancestors(session, location=location)]:
        if _has_position(candidate):
            return candidate
    return None


def _location_ref(row: Location) -> dict[str, Any]:
    return {"id": str(row.id), "name": row.name, "kind": row.kind}


def resolve_position(session: Session, *, asset: Asset) -> dict[str, Any]:
    if _has_position(asset):
        return _position(asset, "asset", _asset_ref(asset))
    chain = []
    for related, path in _inherited_chain(session, asset):
        if _has_position(related):
            return _position(related, "related_asset", {**_asset_ref(related), "path": [_asset_ref(a) for a in path]})
        chain.append((related, path))
    if asset.location_id is not None:
        found = _location_position(session, asset.location_id)
        if found is not None:
            return _position(found, "location", _location_ref(found))
    else:
        for related, path in chain:
            if related.location_id is None:
                continue
            found = _location_position(session, related.location_id)
            if found is not None:
                via = {**_location_ref(found), "asset": _asset_ref(related), "path": [_asset_ref(a) for a in path]}
                return _position(found, "location", via)
    return _position(None, "none", None)
