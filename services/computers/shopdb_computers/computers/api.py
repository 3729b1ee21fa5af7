"""Computer routes. A create may carry `Idempotency-Key`: a retry answers the first answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse

from shopdb_contract import listing
from shopdb_contract.deps import DbSession
from shopdb_contract.domainasset import IDEMPOTENCY_HEADER, REPLAYED_HEADER, DomainAssets, request_hash
from shopdb_contract.outbox import request_actor
from shopdb_computers.computers import service
from shopdb_computers.computers.schemas import ComputerCreate, ComputerUpdate

router = APIRouter(prefix="/api/computers", tags=["computers"])

IfMatch = Annotated[str | None, Header(alias="If-Match")]
IdempotencyKey = Annotated[str | None, Header(alias=IDEMPOTENCY_HEADER)]


def _domain(request: Request) -> DomainAssets:
    return request.app.state.domain


def _spec(request: Request):
    return request.app.state.manifest.collector


def _current(request: Request, session, asset_id: uuid.UUID):
    domain = _domain(request)
    row = domain.get_visible(session, asset_id)
    return row, service.computer_out(session, row, service.core_asset(domain.core, asset_id))


@router.get("")
def list_computers(request: Request, session: DbSession):
    """Filters: hostname, computertype, osname, osversion, osbuild, domain, lastuser, source, state,
    last_seen, created, updated (with lookups such as `osname__ic`, `last_seen__lt`), `application`
    (installed, by name; `application__ic` for part of one), `location` (core location and below),
    `not_seen_since` (date-time; never seen counts), `q`, `include_retired=true`."""
    query = listing.parse_list_query(
        request.query_params, filters=service.FILTERS, ordering=service.ORDERING, extra=service.EXTRA_PARAMS
    )
    domain = _domain(request)
    count, rows = service.list_computers(session, query=query, core=domain.core)
    if query.brief:
        results = [service.computer_brief(r) for r in rows]
    else:
        assets = {}
        if rows:
            try:
                assets = {a["id"]: a for a in domain.core.query_assets(ids=[r.id for r in rows], include_retired=True)}
            except Exception:  # core away: the list still shows the details
                assets = {}
        results = [service.computer_list_item(r, assets.get(str(r.id))) for r in rows]
    return JSONResponse(listing.envelope(request.url, count=count, results=results, limit=query.limit, offset=query.offset))


@router.post("", status_code=201)
def create_computer(request: Request, body: ComputerCreate, idempotency_key: IdempotencyKey = None):
    """Creates the core asset (type computer) and the details, or neither."""
    data = body.model_dump()
    created = service.create_computer(
        domain=_domain(request), spec=_spec(request), data=data, actor=request_actor(request),
        idempotency_key=idempotency_key, fingerprint=request_hash(body.model_dump(mode="json")),
    )
    response = listing.etag_response(created.body, status_code=created.status_code)
    if created.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return response


@router.get("/{asset_id}")
def get_computer(asset_id: uuid.UUID, request: Request, session: DbSession):
    return listing.etag_response(_current(request, session, asset_id)[1])


@router.patch("/{asset_id}")
def update_computer(asset_id: uuid.UUID, body: ComputerUpdate, request: Request, session: DbSession, if_match: IfMatch = None):
    """`locked_fields` lists the fields no collector may overwrite."""
    row, current = _current(request, session, asset_id)
    listing.check_if_match(if_match, listing.etag_of(current), what="computer")
    with listing.item_errors(None):
        service.update_computer(
            session, domain=_domain(request), spec=_spec(request), row=row,
            changes=body.model_dump(exclude_unset=True), actor=request_actor(request),
        )
    session.commit()
    return listing.etag_response(_current(request, session, asset_id)[1])


@router.delete("/{asset_id}", status_code=204)
def retire_computer(asset_id: uuid.UUID, request: Request, session: DbSession, if_match: IfMatch = None) -> Response:
    """Retires the core asset and marks the details retired; both can be restored."""
    _row, current = _current(request, session, asset_id)
    listing.check_if_match(if_match, listing.etag_of(current), what="computer")
    session.close()
    _domain(request).retire(asset_id=asset_id, actor=request_actor(request))
    return Response(status_code=204)


@router.post("/{asset_id}/restore")
def restore_computer(asset_id: uuid.UUID, request: Request, session: DbSession):
    _domain(request).restore(asset_id=asset_id, actor=request_actor(request))
    return listing.etag_response(_current(request, session, asset_id)[1])


@router.get("/{asset_id}/position")
def get_position(asset_id: uuid.UUID, request: Request, session: DbSession) -> dict[str, Any]:
    """Where the PC stands (ADR-001), as core resolves it: its own, the machine it controls, its location."""
    domain = _domain(request)
    domain.get_visible(session, asset_id)
    return domain.core.get_position(asset_id, actor=request_actor(request))
