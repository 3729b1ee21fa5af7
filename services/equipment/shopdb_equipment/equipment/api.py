"""Equipment routes: thin; the rules live in service.py."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse

from shopdb_contract import listing
from shopdb_contract.collector import check_locks
from shopdb_contract.deps import DbSession
from shopdb_contract.domainasset import IDEMPOTENCY_HEADER, REPLAYED_HEADER
from shopdb_contract.outbox import request_actor
from shopdb_equipment.equipment import service
from shopdb_equipment.equipment.controllers import controlling_computers
from shopdb_equipment.equipment.schemas import EquipmentCreate, EquipmentUpdate

router = APIRouter(prefix="/api/equipment", tags=["equipment"])

IfMatch = Annotated[str | None, Header(alias="If-Match")]
IdempotencyKey = Annotated[str | None, Header(alias=IDEMPOTENCY_HEADER)]


def _core(request: Request):
    return request.app.state.core


def item_view(request: Request, row) -> dict[str, Any]:
    """One machine: its details, its core asset's fields, and the computers that control it."""
    core = _core(request)
    view = {**service.details_out(row), **service.asset_fields(core.get_asset(row.id))}
    view.update(
        controlling_computers(
            core,
            machine_id=str(row.id),
            authorization=request.headers.get("authorization"),
            computers_http=request.app.state.computers_http,
        )
    )
    return view


@router.get("")
def list_equipment(request: Request, session: DbSession):
    """Filters: machinenumber, equipmenttype, controllertype, controllerversion, serialnumber,
    department, criticality, retired, created, updated (with lookups such as `department__ic`)."""
    query = listing.parse_list_query(request.query_params, filters=service.FILTERS, ordering=service.ORDERING)
    count, rows = service.list_equipment(session, query=query)
    if query.brief:
        results = [service.brief_out(r) for r in rows]
    else:
        assets = {a["id"]: a for a in _core(request).query_assets(ids=[r.id for r in rows], include_retired=True)} if rows else {}
        results = [{**service.details_out(r), **service.asset_fields(assets.get(str(r.id)))} for r in rows]
    return JSONResponse(listing.envelope(request.url, count=count, results=results, limit=query.limit, offset=query.offset))


@router.post("", status_code=201)
def create_equipment(body: EquipmentCreate, request: Request, idempotency_key: IdempotencyKey = None):
    """Creates the core asset and the machine, or neither; a retry with the same
    `Idempotency-Key` answers the first answer again."""
    with listing.item_errors(None):
        created = service.create_equipment(
            request.app.state.domain,
            data=body.model_dump(exclude_unset=True),
            actor=request_actor(request),
            render=lambda _session, row, _asset: item_view(request, row),
            idempotency_key=idempotency_key,
        )
    response = listing.etag_response(created.body, status_code=created.status_code)
    if created.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return response


@router.get("/{equipment_id}")
def get_equipment(equipment_id: uuid.UUID, request: Request, session: DbSession):
    return listing.etag_response(item_view(request, service.get_equipment(session, equipment_id=equipment_id)))


@router.patch("/{equipment_id}")
def update_equipment(equipment_id: uuid.UUID, body: EquipmentUpdate, request: Request, session: DbSession, if_match: IfMatch = None):
    row = service.get_equipment(session, equipment_id=equipment_id)
    listing.check_if_match(if_match, listing.etag_of(item_view(request, row)), what="equipment")
    changes = body.model_dump(exclude_unset=True)
    if "locked_fields" in changes:
        changes["locked_fields"] = check_locks(request.app.state.manifest.collector, changes["locked_fields"])
    with listing.item_errors(None):
        service.update_equipment(
            session, _core(request), request.app.state.writer, row=row, changes=changes, actor=request_actor(request)
        )
    return listing.etag_response(item_view(request, service.get_equipment(session, equipment_id=equipment_id)))


@router.delete("/{equipment_id}", status_code=204)
def retire_equipment(equipment_id: uuid.UUID, request: Request, session: DbSession, if_match: IfMatch = None) -> Response:
    """Soft delete: the core asset is retired and the machine marked retired; both restorable."""
    row = service.get_equipment(session, equipment_id=equipment_id)
    listing.check_if_match(if_match, listing.etag_of(item_view(request, row)), what="equipment")
    request.app.state.domain.retire(asset_id=row.id, actor=request_actor(request))
    return Response(status_code=204)


@router.post("/{equipment_id}/restore")
def restore_equipment(equipment_id: uuid.UUID, request: Request, session: DbSession):
    service.get_equipment(session, equipment_id=equipment_id)
    request.app.state.domain.restore(asset_id=equipment_id, actor=request_actor(request))
    return listing.etag_response(item_view(request, service.get_equipment(session, equipment_id=equipment_id)))
