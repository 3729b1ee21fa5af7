"""Relationship routes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response

from shopdb_contract import listing
from shopdb_contract.deps import DbSession
from shopdb_core.relationships import service
from shopdb_core.relationships.schemas import RelationshipCreate, RelationshipUpdate

router = APIRouter(prefix="/api/relationships", tags=["relationships"])

IfMatch = Annotated[str | None, Header(alias="If-Match")]


@router.get("")
def list_relationships(request: Request, session: DbSession) -> dict[str, Any]:
    """Filters: type, source, target, inheritsposition; `asset=<id>` for either end."""
    query = listing.parse_list_query(
        request.query_params, filters=service.FILTERS, ordering=service.ORDERING, extra=service.EXTRA_PARAMS
    )
    count, rows = service.list_relationships(session, query=query)
    out = service.relationship_brief if query.brief else service.relationship_out
    return listing.envelope(request.url, count=count, results=[out(r) for r in rows], limit=query.limit, offset=query.offset)


@router.post("", status_code=201)
def create_relationship(body: RelationshipCreate, session: DbSession):
    with listing.item_errors(None):
        row = service.create_relationship(session, data=body.model_dump())
    session.commit()
    return listing.etag_response(service.relationship_out(row), status_code=201)


@router.get("/{relationship_id}")
def get_relationship(relationship_id: uuid.UUID, session: DbSession):
    row = service.get_relationship(session, relationship_id=relationship_id)
    return listing.etag_response(service.relationship_out(row))


@router.patch("/{relationship_id}")
def update_relationship(relationship_id: uuid.UUID, body: RelationshipUpdate, session: DbSession, if_match: IfMatch = None):
    row = service.get_relationship(session, relationship_id=relationship_id)
    listing.check_if_match(if_match, listing.etag_of(service.relationship_out(row)), what="relationship")
    with listing.item_errors(None):
        row = service.update_relationship(session, relationship=row, changes=body.model_dump(exclude_unset=True))
    session.commit()
    return listing.etag_response(service.relationship_out(row))


@router.delete("/{relationship_id}", status_code=204)
def delete_relationship(relationship_id: uuid.UUID, session: DbSession, if_match: IfMatch = None) -> Response:
    row = service.get_relationship(session, relationship_id=relationship_id)
    listing.check_if_match(if_match, listing.etag_of(service.relationship_out(row)), what="relationship")
    service.delete_relationship(session, relationship=row)
    session.commit()
    return Response(status_code=204)
