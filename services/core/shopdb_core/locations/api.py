"""Location routes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from shopdb_contract import listing
from shopdb_contract.deps import DbSession
from shopdb_contract.errors import ValidationProblem
from shopdb_core.locations import service
from shopdb_core.locations.models import Location
from shopdb_core.locations.schemas import LocationCreate, LocationUpdate

router = APIRouter(prefix="/api/locations", tags=["locations"])

IfMatch = Annotated[str | None, Header(alias="If-Match")]

FILTERS = {
    "id": listing.FilterField(Location.id, uuid.UUID),
    "name": listing.FilterField(Location.name),
    "kind": listing.FilterField(Location.kind),
    "parent": listing.FilterField(Location.parent_id, uuid.UUID),
}
ORDERING = {"name": Location.name, "kind": Location.kind, "created": Location.created, "updated": Location.updated}


@router.get("")
def list_locations(request: Request, session: DbSession) -> dict[str, Any]:
    """`root=true` gives the top of the tree; `within=<id>` a location and all below it."""
    query = listing.parse_list_query(request.query_params, filters=FILTERS, ordering=ORDERING, extra=("root", "within"))
    conditions = listing.filter_conditions(query, FILTERS)
    if (query.first("root") or "").lower() == "true":
        conditions.append(Location.parent_id.is_(None))
    within = query.first("within")
    if within:
        try:
            root_id = uuid.UUID(within)
        except ValueError:
            raise ValidationProblem(f"within: {within!r} is not a location id", field="query.within") from None
        conditions.append(Location.id.in_(service.descendant_ids(session, location_ids=[root_id])))
    count, rows = listing.fetch_page(
        session,
        select(Location).options(joinedload(Location.parent)),
        count_from=Location,
        conditions=conditions,
        order_by=listing.order_clauses(query.ordering or ["name"], ORDERING, tiebreak=Location.id),
        limit=query.limit,
        offset=query.offset,
    )
    out = service.location_brief if query.brief else service.location_out
    return listing.envelope(request.url, count=count, results=[out(r) for r in rows], limit=query.limit, offset=query.offset)


@router.post("", status_code=201)
def create_location(body: LocationCreate, session: DbSession):
    with listing.item_errors(None):
        row = service.create_location(session, data=body.model_dump())
    session.commit()
    return listing.etag_response(service.location_out(row), status_code=201)


@router.get("/{location_id}")
def get_location(location_id: uuid.UUID, session: DbSession):
    return listing.etag_response(service.location_out(service.get_location(session, location_id=location_id)))


@router.patch("/{location_id}")
def update_location(location_id: uuid.UUID, body: LocationUpdate, session: DbSession, if_match: IfMatch = None):
    row = service.get_location(session, location_id=location_id)
    listing.check_if_match(if_match, listing.etag_of(service.location_out(row)), what="location")
    with listing.item_errors(None):
        row = service.update_location(session, location=row, changes=body.model_dump(exclude_unset=True))
    session.commit()
    return listing.etag_response(service.location_out(row))


@router.delete("/{location_id}", status_code=204)
def delete_location(location_id: uuid.UUID, session: DbSession, if_match: IfMatch = None) -> Response:
    row = service.get_location(session, location_id=location_id)
    listing.check_if_match(if_match, listing.etag_of(service.location_out(row)), what="location")
    service.delete_location(session, location=row)
    session.commit()
    return Response(status_code=204)
