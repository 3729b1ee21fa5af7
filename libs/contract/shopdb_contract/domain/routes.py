"""The REST surface of a declared resource, under the service's prefix:

    GET    <prefix>                   list (paging, filters with lookups, ordering, brief)
    GET    <prefix>/export            the same list as CSV (the same filters), every page
    POST   <prefix>                   create: core asset and details, or neither (Idempotency-Key)
    GET    <prefix>/{asset_id}        one record with its ETag
    PATCH  <prefix>/{asset_id}        update (If-Match -> 412 when stale)
    DELETE <prefix>/{asset_id}        retire (soft; If-Match)
    POST   <prefix>/{asset_id}/restore
    GET    <prefix>/{asset_id}/position   where it stands, as core resolves it (ADR-001)
    GET    <prefix><reference path>   each declared reference list
    POST   <prefix>/import            CSV import (importer.py)
    POST   /api/collector/<service>   collector push, when the manifest declares one

This module does not use `from __future__ import annotations`: the request body types are the
resource's own models, and FastAPI reads them from the route functions' annotations.
"""

import csv
import io
import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from shopdb_contract import listing
from shopdb_contract.collector import collector_router
from shopdb_contract.deps import DbSession
from shopdb_contract.errors import ValidationProblem
from shopdb_contract.importer import import_router
from shopdb_contract.outbox import request_actor
from shopdb_contract.wire import IDEMPOTENCY_HEADER, IF_MATCH_HEADER, REPLAYED_HEADER

__all__ = ["EXPORT_MAX_ROWS", "domain_routers", "export_csv"]

IfMatch = Annotated[str | None, Header(alias=IF_MATCH_HEADER)]
IdempotencyKey = Annotated[str | None, Header(alias=IDEMPOTENCY_HEADER)]
EXPORT_MAX_ROWS = 50_000


def _authorization(request: Request) -> str | None:
    return request.headers.get("authorization")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get("id", "")) if "id" in value else json.dumps(value, sort_keys=True)
    if isinstance(value, list):
        return ";".join(_cell(v) for v in value) if all(not isinstance(v, (dict, list)) for v in value) else json.dumps(value)
    return str(value)


def export_csv(rows: list[dict[str, Any]]) -> str:
    """List items as CSV: the first item's keys are the header; a reference is its id."""
    out = io.StringIO()
    if not rows:
        return ""
    columns = list(rows[0])
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in columns])
    return out.getvalue()


def resource_router(resource) -> APIRouter:
    """The list, export and item routes of `resource` (fixed paths before `/{asset_id}`)."""
    router = APIRouter(prefix=resource.path, tags=[resource.entity])
    filters = resource.filter_fields()
    ordering = resource.ordering_columns()
    params = resource.list_params()
    what = resource.entity
    create_model = resource.create_model
    update_model = resource.update_model

    def parse(request: Request) -> listing.ListQuery:
        return listing.parse_list_query(request.query_params, filters=filters, ordering=ordering, extra=params)

    def current(session: Session, asset_id: uuid.UUID, request: Request):
        row = resource.get(session, asset_id)
        return row, resource.view(session, row, authorization=_authorization(request))

    @router.get("", summary=f"List {what} records")
    def list_records(request: Request, session: DbSession):
        query = parse(request)
        count, results = resource.list_page(session, query)
        return JSONResponse(listing.envelope(request.url, count=count, results=results, limit=query.limit, offset=query.offset))

    list_records.__doc__ = (
        f"Filters: {', '.join(filters)} (with lookups such as `{resource.identity}__ic`)"
        + (f"; also {', '.join(params)}" if params else "") + "."
    )

    @router.get("/export", summary=f"The list of {what} records as CSV (the list's filters, every page)",
                response_class=Response, responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}})
    def export_records(request: Request, session: DbSession):
        query = parse(request)
        query.limit, query.offset = listing.MAX_LIMIT, 0
        count, rows = resource.list_page(session, query)
        if count > EXPORT_MAX_ROWS:
            raise ValidationProblem(
                f"{count} records match: at most {EXPORT_MAX_ROWS} per export; narrow the filters", field="query",
            )
        while len(rows) < count:
            query.offset += listing.MAX_LIMIT
            more = resource.list_page(session, query)[1]
            if not more:
                break
            rows += more
        headers = {"Content-Disposition": f'attachment; filename="{resource.manifest.name}.csv"'}
        return Response(export_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)

    def create_record(request: Request, body: Any, idempotency_key: IdempotencyKey = None):
        with listing.item_errors(None):
            created = resource.create(
                body.model_dump(exclude_unset=True), actor=request_actor(request), idempotency_key=idempotency_key,
                fingerprint=listing_hash(body), authorization=_authorization(request),
            )
        response = listing.etag_response(created.body, status_code=created.status_code)
        if created.replayed:
            response.headers[REPLAYED_HEADER] = "true"
        return response

    create_record.__annotations__["body"] = create_model
    create_record.__doc__ = (
        f"Creates the core asset (type {resource.type}) and the {what}, or neither; a retry with the "
        f"same `{IDEMPOTENCY_HEADER}` answers the first answer again."
    )
    router.add_api_route("", create_record, methods=["POST"], status_code=201, summary=f"Create a {what}")

    @router.get("/{asset_id}", summary=f"One {what}")
    def get_record(asset_id: uuid.UUID, request: Request, session: DbSession):
        return listing.etag_response(current(session, asset_id, request)[1])

    def update_record(asset_id: uuid.UUID, body: Any, request: Request, session: DbSession, if_match: IfMatch = None):
        row, view = current(session, asset_id, request)
        listing.check_if_match(if_match, listing.etag_of(view), what=what)
        with listing.item_errors(None):
            resource.update(session, row=row, changes=body.model_dump(exclude_unset=True), actor=request_actor(request))
        session.commit()
        return listing.etag_response(current(session, asset_id, request)[1])

    update_record.__annotations__["body"] = update_model
    update_record.__doc__ = "Fields left out are kept; `locked_fields` lists the fields no collector may overwrite."
    router.add_api_route("/{asset_id}", update_record, methods=["PATCH"], summary=f"Update a {what}")

    @router.delete("/{asset_id}", status_code=204, summary=f"Retire a {what}")
    def retire_record(asset_id: uuid.UUID, request: Request, session: DbSession, if_match: IfMatch = None) -> Response:
        """Soft delete: the core asset is retired and the details marked retired; both restorable."""
        _row, view = current(session, asset_id, request)
        listing.check_if_match(if_match, listing.etag_of(view), what=what)
        session.close()
        resource.domain.retire(asset_id=asset_id, actor=request_actor(request))
        return Response(status_code=204)

    @router.post("/{asset_id}/restore", summary=f"Restore a retired {what}")
    def restore_record(asset_id: uuid.UUID, request: Request, session: DbSession):
        resource.get(session, asset_id)
        session.close()
        resource.domain.restore(asset_id=asset_id, actor=request_actor(request))
        return listing.etag_response(current(session, asset_id, request)[1])

    if resource.position:
        @router.get("/{asset_id}/position", summary=f"Where the {what} stands")
        def get_position(asset_id: uuid.UUID, request: Request, session: DbSession) -> dict[str, Any]:
            """As core resolves it (ADR-001): its own position, a related asset's it inherits, its location's."""
            resource.get(session, asset_id)
            return resource.core.get_position(asset_id, actor=request_actor(request))

    return router


def listing_hash(body) -> str:
    from shopdb_contract.domainasset import request_hash

    return request_hash(body.model_dump(mode="json", exclude_unset=True))


def reference_router(resource) -> APIRouter | None:
    references = [(name, ref) for name, ref in resource.references.items() if ref.path]
    if not references:
        return None
    router = APIRouter(prefix=resource.path, tags=["reference"])
    def lister(reference):
        def list_reference(session: DbSession) -> dict[str, Any]:
            rows = [reference.out(r) for r in reference.rows(session)]
            return {"count": len(rows), "results": rows}

        return list_reference

    for _name, reference in references:
        router.add_api_route(reference.path, lister(reference), methods=["GET"], summary=f"The {reference.label}s")
    return router


def domain_routers(resource, *, extra=()) -> list[APIRouter]:
    """Every router of a declared resource, in mounting order (fixed paths before `/{id}`);
    `extra` routers (a service's own) are mounted before the resource's item routes."""
    from shopdb_contract.domain.importer import DomainImport, import_spec

    routers: list[APIRouter] = []
    reference = reference_router(resource)
    if reference is not None:
        routers.append(reference)
    routers += list(extra)
    resource.collector = target = resource.collector_target()
    if target is not None:
        stale_days = getattr(resource.settings, "stale_days", None)
        kwargs = {"stale_days": stale_days} if stale_days is not None else {}
        routers.append(collector_router(manifest=resource.manifest, target=lambda _request: target, **kwargs))
    routers.append(import_router(prefix=resource.path, spec=import_spec(resource), target=lambda _request: DomainImport(resource)))
    routers.append(resource_router(resource))
    return routers
