"""Audit API: who changed what and when, across every service, newest first."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Request
from sqlalchemy import or_, select

from shopdb_contract.auth import require_role
from shopdb_contract.deps import DbSession
from shopdb_contract.errors import ValidationProblem
from shopdb_contract.listing import FilterField, envelope, fetch_page, filter_conditions, parse_list_query
from shopdb_core.audit.models import AuditDeadLetter, AuditEvent
from shopdb_core.audit.schemas import deadletter_out, event_out

router = APIRouter(tags=["audit"])

A = AuditEvent
FILTERS = {
    "service": FilterField(A.service),
    "entity_type": FilterField(A.entity_type),
    "entity_id": FilterField(A.entity_id),
    "action": FilterField(A.action),
    "actor_kind": FilterField(A.actor_kind),
    "actor_id": FilterField(A.actor_id),
    "request_id": FilterField(A.request_id),
    "occurred_at": FilterField(A.occurred_at, datetime),
}
NEWEST_FIRST = (A.occurred_at.desc(), A.id.desc())


def _events_page(request: Request, session, extra_conditions=()):
    query = parse_list_query(request.query_params, filters=FILTERS, ordering=(), extra=("actor", "since", "until"))
    conditions = filter_conditions(query, FILTERS) + list(extra_conditions)
    actor = query.first("actor")
    if actor:
        # One word finds a user whether the client knows its id or its name.
        conditions.append(or_(A.actor_id == actor, A.actor_name == actor))
    for name, op in (("since", "__ge__"), ("until", "__lt__")):
        raw = query.first(name)
        if raw:
            try:
                moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                raise ValidationProblem(f"{name} must be an ISO 8601 time, not {raw!r}", field=f"query.{name}") from None
            conditions.append(getattr(A.occurred_at, op)(moment))
    count, rows = fetch_page(
        session, select(A), count_from=A, conditions=conditions, order_by=NEWEST_FIRST,
        limit=query.limit, offset=query.offset,
    )
    return envelope(request.url, count=count, results=[event_out(r) for r in rows], limit=query.limit, offset=query.offset)


@router.get("/api/audit", summary="Audit events, newest first")
def list_audit(request: Request, session: DbSession):
    return _events_page(request, session)


# Parked messages may hold whatever a broken sender wrote: for admins only.
@router.get(
    "/api/audit/deadletters",
    summary="Audit messages that could not be stored, with the reason",
    dependencies=[require_role("admin")],
)
def list_deadletters(request: Request, session: DbSession):
    query = parse_list_query(request.query_params, filters={}, ordering=())
    D = AuditDeadLetter
    count, rows = fetch_page(
        session, select(D), count_from=D, conditions=[], order_by=(D.id.desc(),),
        limit=query.limit, offset=query.offset,
    )
    return envelope(request.url, count=count, results=[deadletter_out(r) for r in rows], limit=query.limit, offset=query.offset)


@router.get("/api/assets/{asset_id}/history", summary="An asset's changes in core and in the service owning its details")
def asset_history(asset_id: uuid.UUID, request: Request, session: DbSession):
    # Domain services key their details by the core asset's UUID, so one entity id finds
    # the asset's events in every service.
    return _events_page(request, session, [A.entity_id == str(asset_id)])
