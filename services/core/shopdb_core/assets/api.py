"""Asset routes: a POST or PATCH body may be one asset or a list of them (all or nothing)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request, Response
from fastapi.responses import JSONResponse

from shopdb_contract import listing
from shopdb_contract.deps import DbSession
from shopdb_contract.errors import ValidationProblem
from shopdb_core.assets import service
from shopdb_core.assets.position import resolve_position
from shopdb_core.assets.schemas import AssetBulkUpdate, AssetCreate, AssetUpdate

router = APIRouter(prefix="/api/assets", tags=["assets"])

IfMatch = Annotated[str | None, Header(alias="If-Match")]
AnyBody = Annotated[Any, Body()]


@router.get("")
def list_assets(request: Request, session: DbSession):
    """Filters: type, status, assetnumber, name, serialnumber, vendor, model, created, updated
    (with lookups such as `name__ic`, `status__n`), `location` (with everything below it), `q`
    (free text), `include_retired=true`."""
    query = listing.parse_list_query(
        request.query_params, filters=service.FILTERS, ordering=service.ORDERING, extra=service.EXTRA_PARAMS
    )
    count, rows = service.list_assets(session, query=query)
    out = service.asset_brief if query.brief else service.asset_out
    body = listing.envelope(request.url, count=count, results=[out(r) for r in rows], limit=query.limit, offset=query.offset)
    return JSONResponse(body)


@router.post("", status_code=201, openapi_extra={"requestBody": {"description": "an asset or a list of assets"}})
def create_assets(body: AnyBody, session: DbSession):
    items, is_list = listing.parse_items(AssetCreate, body)
    if not is_list:
        with listing.item_errors(None):
            asset = service.create_asset(session, data=items[0].model_dump())
        session.commit()
        return listing.etag_response(service.asset_out(service.get_asset(session, asset_id=asset.id)), status_code=201)
    created = service.create_assets(session, items=[item.model_dump() for item in items])
    session.commit()
    ids = [a.id for a in created]
    return JSONResponse([service.asset_out(service.get_asset(session, asset_id=i)) for i in ids], status_code=201)


@router.patch("")
def update_assets(body: AnyBody, session: DbSession):
    """Bulk update: a list of changes, each with the `id` of its asset."""
    if not isinstance(body, list):
        raise ValidationProblem("send a list of changes, each with the asset's id", field="body")
    items, _ = listing.parse_items(AssetBulkUpdate, body)
    updated = service.update_assets(session, items=[item.model_dump(exclude_unset=True) for item in items])
    session.commit()
    ids = [a.id for a in updated]
    return JSONResponse([service.asset_out(service.get_asset(session, asset_id=i)) for i in ids])


@router.get("/{asset_id}")
def get_asset(asset_id: uuid.UUID, session: DbSession):
    return listing.etag_response(service.asset_out(service.get_asset(session, asset_id=asset_id)))


@router.patch("/{asset_id}")
def update_asset(asset_id: uuid.UUID, body: AssetUpdate, session: DbSession, if_match: IfMatch = None):
    asset = service.get_asset(session, asset_id=asset_id)
    listing.check_if_match(if_match, listing.etag_of(service.asset_out(asset)), what="asset")
    with listing.item_errors(None):
        service.update_asset(session, asset=asset, changes=body.model_dump(exclude_unset=True))
    session.commit()
    return listing.etag_response(service.asset_out(service.get_asset(session, asset_id=asset_id)))


@router.delete("/{asset_id}", status_code=204)
def retire_asset(asset_id: uuid.UUID, session: DbSession, if_match: IfMatch = None) -> Response:
    """Soft delete: the asset is marked retired and can be restored."""
    asset = service.get_asset(session, asset_id=asset_id)
    listing.check_if_match(if_match, listing.etag_of(service.asset_out(asset)), what="asset")
    service.retire_asset(session, asset=asset)
    session.commit()
    return Response(status_code=204)


@router.post("/{asset_id}/restore")
def restore_asset(asset_id: uuid.UUID, session: DbSession):
    asset = service.get_asset(session, asset_id=asset_id)
    service.restore_asset(session, asset=asset)
    session.commit()
    return listing.etag_response(service.asset_out(service.get_asset(session, asset_id=asset_id)))


@router.get("/{asset_id}/position")
def get_position(asset_id: uuid.UUID, session: DbSession) -> dict[str, Any]:
    return resolve_position(session, asset=service.get_asset(session, asset_id=asset_id))
