"""Reference data routes. Mounted before the assets router so `/api/assets/types` is not read
as an asset id."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from sqlalchemy import select

from shopdb_contract import listing
from shopdb_contract.deps import DbSession
from shopdb_core.reference import service
from shopdb_core.reference.models import AssetModel, Vendor
from shopdb_core.reference.schemas import ModelCreate, ModelUpdate, VendorCreate, VendorUpdate

router = APIRouter(tags=["reference"])

IfMatch = Annotated[str | None, Header(alias="If-Match")]

VENDOR_FILTERS = {"id": listing.FilterField(Vendor.id, uuid.UUID), "name": listing.FilterField(Vendor.name)}
VENDOR_ORDERING = {"name": Vendor.name, "created": Vendor.created}
MODEL_FILTERS = {
    "id": listing.FilterField(AssetModel.id, uuid.UUID),
    "name": listing.FilterField(AssetModel.name),
    "vendor": listing.FilterField(AssetModel.vendor_id, uuid.UUID),
}
MODEL_ORDERING = {"name": AssetModel.name, "created": AssetModel.created}


@router.get("/api/assets/types")
def list_asset_types(session: DbSession) -> dict[str, Any]:
    rows = [service.asset_type_out(r) for r in service.list_asset_types(session)]
    return {"count": len(rows), "next": None, "previous": None, "results": rows}


@router.get("/api/assets/types/{name}")
def get_asset_type(name: str, session: DbSession):
    return listing.etag_response(service.asset_type_out(service.get_asset_type(session, name=name)))


@router.get("/api/assets/statuses")
def list_statuses(session: DbSession) -> dict[str, Any]:
    rows = [service.status_out(r) for r in service.list_statuses(session)]
    return {"count": len(rows), "next": None, "previous": None, "results": rows}


@router.get("/api/relationships/types")
def list_relationship_types(session: DbSession) -> dict[str, Any]:
    rows = [service.relationship_type_out(r) for r in service.list_relationship_types(session)]
    return {"count": len(rows), "next": None, "previous": None, "results": rows}


def _list(request: Request, session, entity, filters, ordering, out, brief_out):
    query = listing.parse_list_query(request.query_params, filters=filters, ordering=ordering)
    count, rows = listing.fetch_page(
        session,
        select(entity),
        count_from=entity,
        conditions=listing.filter_conditions(query, filters),
        order_by=listing.order_clauses(query.ordering or ["name"], ordering, tiebreak=entity.id),
        limit=query.limit,
        offset=query.offset,
    )
    results = [brief_out(r) if query.brief else out(r) for r in rows]
    return listing.envelope(request.url, count=count, results=results, limit=query.limit, offset=query.offset)


def _brief(row) -> dict[str, Any]:
    return {"id": str(row.id), "name": row.name}


@router.get("/api/assets/vendors")
def list_vendors(request: Request, session: DbSession) -> dict[str, Any]:
    return _list(request, session, Vendor, VENDOR_FILTERS, VENDOR_ORDERING, service.vendor_out, _brief)


@router.post("/api/assets/vendors", status_code=201)
def create_vendor(body: VendorCreate, session: DbSession):
    with listing.item_errors(None):
        row = service.create_vendor(session, name=body.name)
    session.commit()
    return listing.etag_response(service.vendor_out(row), status_code=201)


@router.get("/api/assets/vendors/{vendor_id}")
def get_vendor(vendor_id: uuid.UUID, session: DbSession):
    return listing.etag_response(service.vendor_out(service.get_vendor(session, vendor_id=vendor_id)))


@router.patch("/api/assets/vendors/{vendor_id}")
def update_vendor(vendor_id: uuid.UUID, body: VendorUpdate, session: DbSession, if_match: IfMatch = None):
    row = service.get_vendor(session, vendor_id=vendor_id)
    listing.check_if_match(if_match, listing.etag_of(service.vendor_out(row)), what="vendor")
    with listing.item_errors(None):
        row = service.update_vendor(session, vendor=row, changes=body.model_dump(exclude_unset=True))
    session.commit()
    return listing.etag_response(service.vendor_out(row))


@router.delete("/api/assets/vendors/{vendor_id}", status_code=204)
def delete_vendor(vendor_id: uuid.UUID, session: DbSession, if_match: IfMatch = None) -> Response:
    row = service.get_vendor(session, vendor_id=vendor_id)
    listing.check_if_match(if_match, listing.etag_of(service.vendor_out(row)), what="vendor")
    service.delete_vendor(session, vendor=row)
    session.commit()
    return Response(status_code=204)


@router.get("/api/assets/models")
def list_models(request: Request, session: DbSession) -> dict[str, Any]:
    return _list(request, session, AssetModel, MODEL_FILTERS, MODEL_ORDERING, service.model_out, _brief)


@router.post("/api/assets/models", status_code=201)
def create_model(body: ModelCreate, session: DbSession):
    with listing.item_errors(None):
        row = service.create_model(session, vendor_id=body.vendor, name=body.name)
    session.commit()
    return listing.etag_response(service.model_out(row), status_code=201)


@router.get("/api/assets/models/{model_id}")
def get_model(model_id: uuid.UUID, session: DbSession):
    return listing.etag_response(service.model_out(service.get_model(session, model_id=model_id)))


@router.patch("/api/assets/models/{model_id}")
def update_model(model_id: uuid.UUID, body: ModelUpdate, session: DbSession, if_match: IfMatch = None):
    row = service.get_model(session, model_id=model_id)
    listing.check_if_match(if_match, listing.etag_of(service.model_out(row)), what="model")
    with listing.item_errors(None):
        row = service.update_model(session, model=row, changes=body.model_dump(exclude_unset=True))
    session.commit()
    return listing.etag_response(service.model_out(row))


@router.delete("/api/assets/models/{model_id}", status_code=204)
def delete_model(model_id: uuid.UUID, session: DbSession, if_match: IfMatch = None) -> Response:
    row = service.get_model(session, model_id=model_id)
    listing.check_if_match(if_match, listing.etag_of(service.model_out(row)), what="model")
    service.delete_model(session, model=row)
    session.commit()
    return Response(status_code=204)
